/**
 * The pin file in a shallow in-memory repo: its tree entry at a commit, and the commit
 * that last changed it, found by walking back from the tip and deepening the shallow
 * fetch only when the walk reaches its edge. A commit "changes" the pin when its entry
 * (blob id and mode) differs from every parent's; at a merge that kept one parent's pin,
 * the walk follows that parent (git log's history simplification).
 */
import * as isogit from 'isomorphic-git'
import type { MemoryRepo } from './shallow-fetch.js'

export interface PinEntry {
  oid: string
  mode: string
  type: 'blob' | 'tree' | 'commit'
}

export type LastPinChange =
  | { found: true; oid: string; /** 1 for the tip. */ distance: number }
  | { found: false; searched: number }

/** Deepen the fetched history by `by` commits. */
export type Deepen = (by: number) => Promise<void>

function isMissingObject(error: unknown): boolean {
  return (error as { code?: string }).code === 'NotFoundError'
}

/** The pin file's entry in the root tree of `commit`, or undefined when there is none. */
export async function readPinEntry(repo: MemoryRepo, commit: string, pinFile: string): Promise<PinEntry | undefined> {
  const { tree } = await isogit.readTree({ fs: repo.fs, gitdir: repo.gitdir, cache: repo.cache, oid: commit })
  const entry = tree.find((e) => e.path === pinFile)
  return entry && { oid: entry.oid, mode: entry.mode, type: entry.type }
}

function samePin(a: PinEntry | undefined, b: PinEntry | undefined): boolean {
  return a?.oid === b?.oid && a?.mode === b?.mode
}

async function readParents(repo: MemoryRepo, oid: string): Promise<string[]> {
  const { commit } = await isogit.readCommit({ fs: repo.fs, gitdir: repo.gitdir, cache: repo.cache, oid })
  return commit.parent
}

/**
 * Walk back from `tip` to the commit that last changed the pin file, looking at most
 * `maxDepth` commits deep. `fetchedDepth` is how deep the history already is; each time
 * the walk needs a parent that was not fetched, the history is deepened (4x each step,
 * never past maxDepth + 1, which is what deciding on the maxDepth-th commit needs).
 */
export async function findLastPinChange(
  repo: MemoryRepo,
  options: { tip: string; pinFile: string; maxDepth: number; fetchedDepth: number; deepen: Deepen },
): Promise<LastPinChange> {
  const limit = options.maxDepth + 1
  let fetched = options.fetchedDepth
  let oid = options.tip
  let entry = await readPinEntry(repo, oid, options.pinFile)
  for (let distance = 1; distance <= options.maxDepth; distance++) {
    const parents = await readParents(repo, oid)
    let parentEntries: (PinEntry | undefined)[] | undefined
    while (!parentEntries) {
      try {
        parentEntries = await Promise.all(parents.map((p) => readPinEntry(repo, p, options.pinFile)))
      } catch (error) {
        if (!isMissingObject(error) || fetched >= limit) {
          if (isMissingObject(error)) return { found: false, searched: distance - 1 }
          throw error
        }
        const by = Math.min(fetched * 3, limit - fetched)
        await options.deepen(by)
        fetched += by
      }
    }
    const kept = parents.findIndex((_, i) => samePin(parentEntries![i], entry))
    if (kept < 0) return { found: true, oid, distance }
    oid = parents[kept]
    entry = parentEntries[kept]
  }
  return { found: false, searched: options.maxDepth }
}
