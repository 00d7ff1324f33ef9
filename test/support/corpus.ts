/**
 * The .runtime-version corpus: real files under test/fixtures/runtime-version/<expected>/,
 * where <expected> is "valid" or the code of the first problem the file must get.
 */
import { readdirSync } from 'node:fs'
import path from 'node:path'

export const CORPUS_DIR = path.resolve(import.meta.dirname, '../fixtures/runtime-version')

export interface CorpusFile {
  expected: string
  name: string
  file: string
}

export function listCorpus(): CorpusFile[] {
  return readdirSync(CORPUS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) => readdirSync(path.join(CORPUS_DIR, dir.name)).map((name) => ({ expected: dir.name, name, file: path.join(CORPUS_DIR, dir.name, name) })))
}
