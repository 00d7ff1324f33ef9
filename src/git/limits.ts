/**
 * Bounded work per repo: every answer and every object a server sends has a size cap, so
 * no server (hostile or broken) can make pinbot hold more than the caps allow. Defaults
 * are generous for honest templates (a 150 MB file passes); `--limit NAME=SIZE` (flags
 * shared by the remote commands) adjusts them. Exceeding one fails that repo with a code
 * naming the limit (`advertisement-too-large`, `pack-too-large`, `object-too-large`,
 * `tree-too-large`, `delta-chain-too-deep`).
 */
import { PinbotError, UsageError } from '../errors.js'

export interface Limits {
  /** Bytes of a ref advertisement (the answer to `info/refs`, or to `ls-refs`). */
  advertisement: number
  /** Bytes of a fetch's answer (the pack), and of all the objects it inflates to. */
  pack: number
  /** Bytes of one object, inflated or made by a delta. */
  object: number
  /** Bytes of one tree object: parsing costs memory and time per entry (about 60 bytes each), so trees have a cap of their own. */
  tree: number
}

export type LimitName = keyof Limits

const MiB = 1024 * 1024

export const DEFAULT_LIMITS: Readonly<Limits> = { advertisement: 32 * MiB, pack: 1024 * MiB, object: 512 * MiB, tree: 8 * MiB }

/** Longest delta chain in a pack: git itself never writes one deeper than 4095 (pack.depth's maximum). */
export const MAX_DELTA_DEPTH = 4095

/** Bytes of an HTTP error body read to quote its first line; the rest is never read. */
export const MAX_ERROR_BODY = 64 * 1024

const WHAT: Record<LimitName, string> = {
  advertisement: 'the ref advertisement',
  pack: 'the pack',
  object: 'an object',
  tree: 'a tree',
}

/** A size as people write it: 1.5GB, 64MB, 512KiB, 1000 (bytes); powers of 1024 either way. */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [['GiB', MiB * 1024], ['MiB', MiB], ['KiB', 1024]] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`
  }
  return `${bytes} bytes`
}

function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib)$/i.exec(text.trim())
  if (!match) return undefined
  const unit = match[2].toLowerCase()[0] ?? 'b'
  const bytes = Math.round(Number(match[1]) * ({ b: 1, k: 1024, m: MiB, g: MiB * 1024 }[unit] ?? 1))
  return bytes >= 1 && Number.isSafeInteger(bytes) ? bytes : undefined
}

/** `--limit NAME=SIZE` values over the defaults; bad input is a UsageError (exit 2). */
export function parseLimits(values: readonly string[] = []): Limits {
  const limits = { ...DEFAULT_LIMITS }
  for (const value of values) {
    const [name, size] = value.split('=', 2) as [string, string | undefined]
    const bytes = size === undefined ? undefined : parseSize(size)
    if (!Object.hasOwn(DEFAULT_LIMITS, name) || bytes === undefined) {
      throw new UsageError('invalid-limit', `--limit expects NAME=SIZE with NAME one of ${Object.keys(DEFAULT_LIMITS).join(', ')}, got "${value}"`, {
        hint: 'for example --limit pack=2GB --limit object=1GB',
      })
    }
    limits[name as LimitName] = bytes
  }
  return limits
}

/** A server's answer or object went over a limit: that repo fails, named by the limit. */
export class LimitExceededError extends PinbotError {
  constructor(limit: LimitName, bytes: number, detail = '') {
    super(`${limit}-too-large`, `${WHAT[limit]}${detail} exceeds the ${limit} limit of ${formatSize(bytes)}`, {
      hint: `raise it with --limit ${limit}=SIZE if the repository is honest and this large`,
    })
  }
}

export function deltaTooDeepError(offset: number): PinbotError {
  return new PinbotError('delta-chain-too-deep', `the delta chain of the object at byte ${offset} of the pack is deeper than ${MAX_DELTA_DEPTH} (git never writes deeper ones)`, {
    hint: 'repack the repository on the server (git repack -a -d --depth=50)',
  })
}
