/**
 * Splitting a fleet across the jobs of a CI matrix: `--shard K/N` keeps the repos whose
 * shard is K. A repo's shard is a hash of its manifest name (ignoring case, as the manifest
 * compares names), not its position, so every runner agrees on it without talking to the
 * others, and adding or removing other repos never moves it.
 */
import { createHash } from 'node:crypto'
import { UsageError } from '../errors.js'
import { manifestDigest, type Manifest, type ManifestRepo } from './manifest.js'

/** Shard `index` (1-based) of `count`. */
export interface Shard {
  index: number
  count: number
}

/** The whole fleet in one run. */
export const WHOLE_FLEET: Shard = { index: 1, count: 1 }

/** More shards than this is a typo, not a matrix (GitHub allows 256 jobs per matrix). */
export const MAX_SHARDS = 1024

/** Parse `K/N` (exit 2 on anything else, before any request). */
export function parseShard(text: string): Shard {
  const match = /^(\d{1,4})\/(\d{1,4})$/.exec(text.trim())
  const index = match ? Number(match[1]) : NaN
  const count = match ? Number(match[2]) : NaN
  if (!match || count < 1 || count > MAX_SHARDS || index < 1 || index > count) {
    throw new UsageError('invalid-shard', `--shard expects K/N with 1 <= K <= N <= ${MAX_SHARDS}, got "${text}"`, {
      hint: 'in a matrix of 4 jobs, give each job one of --shard 1/4, 2/4, 3/4, 4/4',
    })
  }
  return { index, count }
}

/** `2/4`. */
export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`
}

export function isSharded(shard: Shard): boolean {
  return shard.count > 1
}

/** The shard (1-based) a repo falls in, out of `count`: sha256 of its lowercased name, mod count. */
export function shardOf(name: string, count: number): number {
  const digest = createHash('sha256').update(name.toLowerCase()).digest()
  return Number(digest.readBigUInt64BE(0) % BigInt(count)) + 1
}

/** The repos of `shard`, in their order. */
export function selectShard<T extends { name: string }>(repos: readonly T[], shard: Shard): T[] {
  return shard.count === 1 ? [...repos] : repos.filter((repo) => shardOf(repo.name, shard.count) === shard.index)
}

/** What a fleet command's --json says about its run, so that the reports of a matrix's shards can be merged into one. */
export type FleetCommand = 'cascade' | 'verify-pins'

export interface FleetRunInfo<C extends FleetCommand = FleetCommand> {
  command: C
  shard: Shard
  manifest: {
    digest: string
    pinFile: string
    /** The manifest index of each result's repo, in the order of `results`. */
    positions: number[]
  }
  /** The command's arguments (without the command name), to build the line that re-runs failed repos. */
  argv: string[]
}

export function fleetRunInfo<C extends FleetCommand>(command: C, manifest: Manifest, selected: readonly ManifestRepo[], shard: Shard, argv: readonly string[]): FleetRunInfo<C> {
  const position = new Map(manifest.repos.map((repo, index) => [repo, index]))
  return {
    command,
    shard,
    manifest: { digest: manifestDigest(manifest), pinFile: manifest.pinFile, positions: selected.map((repo) => position.get(repo)!) },
    argv: [...argv],
  }
}
