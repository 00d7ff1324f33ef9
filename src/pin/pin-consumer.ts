/**
 * Does a template's build read the pin? `requireFile` only proves the workflow exists; a
 * workflow that never reads the pin file still rebuilds on the pin's push, with the old
 * version, and stays green. The check is one blob of the tip already fetched (or, with a
 * partial fetch, fetched by MemoryRepo like any other blob): no extra round trip.
 */
import type { MemoryRepo } from '../git/memory-repo.js'

/**
 * The file of a template that must read the pin (its build workflow), and the text that
 * shows it does, matched byte for byte (manifest key `consumer`).
 */
export interface PinConsumer {
  file: string
  contains: string
}

/** True when `consumer.file` at `tip` is a file that contains `consumer.contains`. */
export async function consumesPin(repo: MemoryRepo, tip: string, consumer: PinConsumer): Promise<boolean> {
  const entry = await repo.lookup(tip, consumer.file)
  if (!entry || entry.type !== 'blob') return false
  return Buffer.from(await repo.readBlob(entry.oid)).includes(Buffer.from(consumer.contains))
}

/** What a skipped or flagged repo's log and report say. */
export function notConsumedMessage(consumer: PinConsumer): string {
  return `${consumer.file} does not contain "${consumer.contains}": the template's build would not read the pin`
}
