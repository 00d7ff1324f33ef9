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
  | {
      found: true
      oid: string
      /** 1 for the tip. */
      distance: number
      /** The first parent and its pin: what the change replaced (absent for a root commit). */
      before?: { oid: string; entry: PinEntry | undefined }
    }
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

export interface PinHistory {
  /**
   * The commit that last changed the pin file, walking back from `from` (which sits
   * `distance` commits from the tip) but never past `maxDepth` commits from the tip.
   */
  lastChange(from: string, distance: number): Promise<LastPinChange>
}

/**
 * The pin's history in a shallow repo fetched `fetchedDepth` commits deep. Whenever a
 * walk needs a parent that was not fetched, the history is deepened (4x each step, never
 * past maxDepth + 1, which is what deciding on the maxDepth-th commit needs).
 */
export function pinHistory(repo: MemoryRepo, options: { pinFile: string; maxDepth: number; fetchedDepth: number; deepen: Deepen }): PinHistory {
  const limit = options.maxDepth + 1
  let fetched = options.fetchedDepth

  /** The pin in each parent, or undefined when they lie beyond what may be fetched. */
  async function parentPins(parents: string[]): Promise<(PinEntry | undefined)[] | undefined> {
    for (;;) {
      try {
        return await Promise.all(parents.map((p) => readPinEntry(repo, p, options.pinFile)))
      } catch (error) {
        if (!isMissingObject(error)) throw error
        if (fetched >= limit) return undefined
        const by = Math.min(fetched * 3, limit - fetched)
        await options.deepen(by)
        fetched += by
      }
    }
  }

  return {
    async lastChange(from, distance) {
      let oid = from
      let entry = await readPinEntry(repo, oid, options.pinFile)
      for (; distance <= options.maxDepth; distance++) {
        const parents = await readParents(repo, oid)
        const pins = await parentPins(parents)
        if (!pins) return { found: false, searched: distance - 1 }
        const kept = parents.findIndex((_, i) => samePin(pins[i], entry))
        if (kept < 0) return { found: true, oid, distance, ...(parents.length ? { before: { oid: parents[0], entry: pins[0] } } : {}) }
        oid = parents[kept]
        entry = pins[kept]
      }
      return { found: false, searched: options.maxDepth }
    },
  }
}
