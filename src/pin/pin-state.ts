/**
 * What the pin file at a commit says, read from a tree entry of an in-memory repo, in
 * the words `pinbot verify` uses for the same file in a checkout or the index.
 */
import type { MemoryRepo, TreeEntry } from '../git/memory-repo.js'
import { checkVersionBytes, fileProblem, MISSING_FILE_HINT, symlinkMessage, type ProblemCode, type VersionProblem } from '../contract/runtime-version.js'

export type PinState = 'present' | 'missing' | 'invalid'

function invalidEntry(code: ProblemCode, message: string) {
  return { pin: 'invalid' as const, version: null, problems: [fileProblem(code, message)] }
}

export async function readPinState(
  repo: MemoryRepo,
  entry: TreeEntry | undefined,
): Promise<{ pin: PinState; version: string | null; problems: VersionProblem[] }> {
  if (!entry) {
    return { pin: 'missing', version: null, problems: [fileProblem('missing', 'file does not exist', MISSING_FILE_HINT)] }
  }
  if (entry.type === 'tree') return invalidEntry('directory', 'is a directory')
  if (entry.type === 'commit') return invalidEntry('not-regular-file', 'is a submodule, not a regular file')
  const blob = await repo.readBlob(entry.oid)
  if (entry.mode === '120000') {
    return invalidEntry('symlink', symlinkMessage(Buffer.from(blob).toString('latin1')))
  }
  const check = checkVersionBytes(blob)
  return check.valid ? { pin: 'present', version: check.version!, problems: [] } : { pin: 'invalid', version: null, problems: check.problems }
}
