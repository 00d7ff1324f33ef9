import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'

export interface TempDir {
  dir: string
  cleanup: () => Promise<void>
}

/** A temp directory per test, removed by the returned cleanup. */
export async function tempDir(prefix = 'pinbot-test-'): Promise<TempDir> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}
