/**
 * What to do with the pin found in a repo (at a branch tip, in HEAD, in a working tree),
 * given the version we were asked for: the one rule the remote and the local pin share.
 * Pure. Monotonic by default (design.md principle 4): a valid pin is never lowered unless
 * the operator allows it, so two racing releases converge on the higher one.
 */
import { PinbotError } from '../errors.js'
import { checkVersionBytes, compareVersions, type VersionProblem } from '../contract/runtime-version.js'

/** What is at the pin path. */
export type CurrentPin =
  | { kind: 'absent' }
  | { kind: 'file'; bytes: Uint8Array }
  | { kind: 'symlink' }
  | { kind: 'directory' }
  | { kind: 'submodule' }

export type PinDecision =
  | { action: 'keep'; outcome: 'unchanged'; before: string }
  | { action: 'keep'; outcome: 'skipped'; reason: 'downgrade'; before: string }
  /** `repaired`: the pin was not a valid version; `problem` says why (its first problem). */
  | { action: 'write'; before?: string; reason?: 'repaired'; problem?: VersionProblem }
  | { action: 'refuse'; found: 'symlink' | 'directory' | 'submodule' }

export function decidePin(current: CurrentPin, version: string, options: { allowDowngrade?: boolean } = {}): PinDecision {
  switch (current.kind) {
    case 'absent':
      return { action: 'write' }
    case 'symlink':
    case 'directory':
    case 'submodule':
      // Not a malformed pin but someone's deliberate structure: replacing it would silently
      // change what it points at, or delete content.
      return { action: 'refuse', found: current.kind }
    case 'file': {
      const check = checkVersionBytes(current.bytes)
      if (!check.valid || check.version === undefined) return { action: 'write', reason: 'repaired', problem: check.problems[0] }
      const before = check.version
      if (before === version) return { action: 'keep', outcome: 'unchanged', before }
      if (compareVersions(version, before) < 0 && !options.allowDowngrade) return { action: 'keep', outcome: 'skipped', reason: 'downgrade', before }
      return { action: 'write', before }
    }
  }
}

/** A git tree entry at the pin path, as decidePin sees it; `readBlob` runs only for a regular file. */
export async function currentPinOf(
  entry: { type: string; mode: string; oid: string } | undefined,
  readBlob: (oid: string) => Promise<Uint8Array>,
): Promise<CurrentPin> {
  if (!entry) return { kind: 'absent' }
  if (entry.type === 'tree') return { kind: 'directory' }
  if (entry.type === 'commit') return { kind: 'submodule' }
  if (entry.mode === '120000') return { kind: 'symlink' }
  return { kind: 'file', bytes: await readBlob(entry.oid) }
}

/** The error for a `refuse` decision: `where` names the pin path, e.g. ".runtime-version in HEAD". */
export function refusedPinError(where: string, found: Extract<PinDecision, { action: 'refuse' }>['found']): PinbotError {
  return new PinbotError('pin-file-not-regular', `${where} is a ${found}, not a regular file`, {
    hint: 'Replace it with a regular file holding the version, then pin again.',
  })
}
