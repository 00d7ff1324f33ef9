/**
 * What to do with the pin found at a branch tip, given the version we were asked for.
 * Pure. Monotonic by default (design.md principle 4): a valid pin is never lowered unless
 * the operator allows it, so two racing releases converge on the higher one.
 */
import { checkVersionBytes, compareVersions } from './runtime-version.js'

/** The pin path at the tip, as the tree shows it. */
export type CurrentPin =
  | { kind: 'absent' }
  | { kind: 'file'; bytes: Uint8Array }
  | { kind: 'symlink' }
  | { kind: 'directory' }
  | { kind: 'submodule' }

export type PinDecision =
  | { action: 'keep'; outcome: 'unchanged'; before: string }
  | { action: 'keep'; outcome: 'skipped'; reason: 'downgrade'; before: string }
  | { action: 'write'; before?: string; reason?: 'repaired' }
  | { action: 'refuse'; found: 'symlink' | 'directory' | 'submodule' }

export function decidePin(current: CurrentPin, version: string, options: { allowDowngrade?: boolean } = {}): PinDecision {
  switch (current.kind) {
    case 'absent':
      return { action: 'write' }
    case 'symlink':
    case 'directory':
    case 'submodule':
      // Not a malformed pin but someone's deliberate structure (the local pin refuses
      // these too): replacing it would silently change what it points at or delete content.
      return { action: 'refuse', found: current.kind }
    case 'file': {
      const check = checkVersionBytes(current.bytes)
      if (!check.valid || check.version === undefined) return { action: 'write', reason: 'repaired' }
      const before = check.version
      if (before === version) return { action: 'keep', outcome: 'unchanged', before }
      if (compareVersions(version, before) < 0 && !options.allowDowngrade) return { action: 'keep', outcome: 'skipped', reason: 'downgrade', before }
      return { action: 'write', before }
    }
  }
}
