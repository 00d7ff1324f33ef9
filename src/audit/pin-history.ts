/**
 * The commit that last changed the pin file in a shallow in-memory repo, found by walking
 * back from the tip and deepening the shallow fetch only when the walk reaches its edge.
 * A commit "changes" the pin when its entry (blob id and mode) differs from every
 * parent's; at a merge that kept one parent's pin, the walk follows that parent (git
 * log's history simplification).
 */
import { isMissingObject, type MemoryRepo, type TreeEntry } from '../git/memory-repo.js'

export type LastPinChange =
  | {
      found: true
      oid: string
      /** 1 for the tip. */
      distance: number
      /** The first parent and its pin: what the change replaced (absent for a root commit). */
      before?: { oid: string; entry: TreeEntry | undefined }
    }
  | { found: false; searched: number }

/** Deepen the fetched history by `by` commits. */
export type Deepen = (by: number) => Promise<void>

function samePin(a: TreeEntry | undefined, b: TreeEntry | undefined): boolean {
  return a?.oid === b?.oid && a?.mode === b?.mode
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
  async function parentPins(parents: string[]): Promise<(TreeEntry | undefined)[] | undefined> {
    for (;;) {
      try {
        return await Promise.all(parents.map((p) => repo.lookup(p, options.pinFile)))
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
      let entry = await repo.lookup(oid, options.pinFile)
      for (; distance <= options.maxDepth; distance++) {
        const { parent: parents } = await repo.readCommit(oid)
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
