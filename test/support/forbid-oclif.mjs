// Preloaded with --import: any attempt to load @oclif/core fails, which proves that a
// command ran through bin/run.js's fast path and not through oclif.
import { register } from 'node:module'

const hook = `export async function resolve(specifier, context, next) {
  if (specifier === '@oclif/core' || specifier.startsWith('@oclif/core/')) throw new Error('@oclif/core was loaded')
  return next(specifier, context)
}`
register(`data:text/javascript,${encodeURIComponent(hook)}`)
