/**
 * What the pin file at a commit says, read from a tree entry of an in-memory repo, in
 * the words `pinbot verify` uses for the same file in a checkout or the index.
 */
import type { MemoryRepo, TreeEntry } from './memory-repo.js'
import { checkVersionBytes, escapeFound, problem, type ProblemCode, type VersionProblem } from './runtime-version.js'

export type PinState = 'present' | 'missing' | 'invalid'

const REGULAR_FILE_HINT = 'make it a regular file that contains only the version, e.g. "1.2.3"'

function invalidEntry(code: ProblemCode, message: string, hint = REGULAR_FILE_HINT) {
  return { pin: 'invalid' as const, version: null, problems: [problem(code, 1, 1, message, hint)] }
}

export async function readPinState(
  repo: MemoryRepo,
  entry: TreeEntry | undefined,
): Promise<{ pin: PinState; version: string | null; problems: VersionProblem[] }> {
  if (!entry) {
    return { pin: 'missing', version: null, problems: [problem('missing', 1, 1, 'file does not exist', 'create it with the version on one line, e.g. "1.2.3"')] }
  }
  if (entry.type === 'tree') return invalidEntry('directory', 'is a directory')
  if (entry.type === 'commit') return invalidEntry('not-regular-file', 'is a submodule, not a regular file')
  const blob = await repo.readBlob(entry.oid)
  if (entry.mode === '120000') {
    return invalidEntry('symlink', `is a symbolic link (to ${escapeFound(Buffer.from(blob).toString('latin1'))}); pinbot never follows links`)
  }
  const check = checkVersionBytes(blob)
  return check.valid ? { pin: 'present', version: check.version!, problems: [] } : { pin: 'invalid', version: null, problems: check.problems }
}
