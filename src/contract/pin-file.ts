/**
 * Read a pin file and check it: from the working tree (never following a symlink) or as
 * staged in the git index (read-only: `git ls-files` and `git cat-file`, no stash, no
 * checkout). Problems with the file itself (missing, symlink, directory...) are reported
 * like problems with its bytes, so every caller renders them the same way.
 */
import { constants } from 'node:fs'
import { lstat, open, readlink } from 'node:fs/promises'
import path from 'node:path'
import { PinbotError, UsageError } from '../errors.js'
import { findWorkTree, gitOutput } from '../git/local/git-cli.js'
import { type ProblemCode, type VersionCheck, checkVersionBytes, fileProblem, invalid, MISSING_FILE_HINT, symlinkMessage } from './runtime-version.js'

function fileInvalid(file: string, code: ProblemCode, message: string, hint?: string): VersionCheck {
  return invalid([fileProblem(code, message, hint)], file)
}

/** Check `file` in the working tree. `file` is also the name shown in problems. */
export async function readWorkingPin(file: string, cwd = process.cwd()): Promise<VersionCheck> {
  const full = path.resolve(cwd, file)
  const stats = await lstat(full).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined
    throw readFailed(file, error)
  })
  if (!stats) return fileInvalid(file, 'missing', 'file does not exist', MISSING_FILE_HINT)
  if (stats.isSymbolicLink()) {
    const target = await readlink(full).catch(() => '?')
    return fileInvalid(file, 'symlink', symlinkMessage(target))
  }
  if (stats.isDirectory()) return fileInvalid(file, 'directory', 'is a directory')
  if (!stats.isFile()) return fileInvalid(file, 'not-regular-file', 'is not a regular file (a FIFO, socket or device)')
  // O_NOFOLLOW: if the file was swapped for a link since lstat, fail instead of following it.
  const handle = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW).catch((error) => {
    throw readFailed(file, error)
  })
  try {
    return checkVersionBytes(await handle.readFile(), file)
  } finally {
    await handle.close()
  }
}

function readFailed(file: string, error: NodeJS.ErrnoException): PinbotError {
  return new PinbotError('read-failed', `cannot read ${file}: ${error.code ?? error.message}`, { cause: error })
}

/**
 * Check the copy of `file` staged in the index of the repository around `cwd` (the index
 * git uses for the commit in progress: git sets GIT_INDEX_FILE for hooks).
 */
export async function readStagedPin(file: string, cwd = process.cwd()): Promise<VersionCheck> {
  const { prefix } = await findWorkTree(cwd)
  const repoPath = path.posix.normalize(path.posix.join(prefix, path.isAbsolute(file) ? path.relative(cwd, file) : file)).replace(/\/$/, '')
  if (repoPath === '..' || repoPath.startsWith('../')) {
    throw new UsageError('outside-repository', `${file} is outside the repository`, { hint: 'name a file inside the repository' })
  }
  const listed = await gitOutput(['ls-files', '--stage', '-z', '--full-name', '--', `:(top,literal)${repoPath}`], cwd)
  const entries = listed
    .toString()
    .split('\0')
    .filter(Boolean)
    .map((record) => {
      const [meta, entryPath] = record.split('\t')
      const [mode, oid, stage] = meta.split(' ')
      return { mode, oid, stage, path: entryPath }
    })
  const exact = entries.filter((entry) => entry.path === repoPath)
  if (exact.length === 0) {
    if (entries.length > 0) return fileInvalid(file, 'directory', 'is a directory in the index')
    return fileInvalid(file, 'missing', 'is not in the git index (nothing staged at this path)', `stage it with "git add ${file}"`)
  }
  const [entry] = exact
  if (exact.length > 1 || entry.stage !== '0') {
    return fileInvalid(file, 'unmerged', 'has an unresolved merge conflict in the index', `resolve the conflict, then "git add ${file}"`)
  }
  if (entry.mode === '120000') {
    const target = await gitOutput(['cat-file', 'blob', entry.oid], cwd)
    return fileInvalid(file, 'symlink', symlinkMessage(target.toString('latin1'), 'is staged as'))
  }
  if (entry.mode !== '100644' && entry.mode !== '100755') {
    return fileInvalid(file, 'not-regular-file', `is staged as mode ${entry.mode}, not a regular file (a submodule?)`)
  }
  return checkVersionBytes(await gitOutput(['cat-file', 'blob', entry.oid], cwd), file)
}
