/**
 * isomorphic-git, loaded with require. Importing its 575 KB CommonJS bundle from ESM first
 * scans the whole source for export names (cjs-module-lexer): ~25 ms more on every start
 * that does git work (measured: import 68-89 ms, require 44-57 ms).
 */
import { createRequire } from 'node:module'

export const isogit: typeof import('isomorphic-git') = createRequire(import.meta.url)('isomorphic-git')
