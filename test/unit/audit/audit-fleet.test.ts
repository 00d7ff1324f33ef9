import { describe, expect, it } from 'vitest'
import type { RepoAudit } from '../../../src/audit/audit.js'
import { summarizeFleet } from '../../../src/audit/audit-fleet.js'

function audit(repo: string, over: Partial<RepoAudit> = {}): RepoAudit {
  return { repo, branch: 'main', tip: 'a'.repeat(40), pin: 'present', version: '1.2.0', problems: [], signature: null, commit: null, replacedBotPin: null, skipped: null, consumer: null, error: null, ...over }
}

const fleet = [
  audit('o/same'),
  audit('o/old', { version: '1.1.9' }),
  audit('o/rc', { version: '1.3.0-rc.1' }),
  audit('o/none', { pin: 'missing', version: null }),
  audit('o/bad', { pin: 'invalid', version: null }),
  audit('o/gone', { branch: null, tip: null, pin: null, version: null, error: { code: 'not-found', message: '404' } }),
]

describe('summarizeFleet', () => {
  it('compares every repo with --expect: ok, behind, ahead, and missing/invalid/failed for the rest', () => {
    const summary = summarizeFleet(fleet, { expect: '1.2.0', signaturesChecked: false })
    expect(summary.expected).toBe('1.2.0')
    expect(summary.expectedFrom).toBe('expect')
    expect(summary.results.map((r) => [r.repo, r.status])).toEqual([
      ['o/same', 'ok'],
      ['o/old', 'behind'],
      ['o/rc', 'ahead'],
      ['o/none', 'missing'],
      ['o/bad', 'invalid'],
      ['o/gone', 'failed'],
    ])
    expect(summary.counts).toEqual({ total: 6, ok: 1, behind: 1, ahead: 1, missing: 1, invalid: 1, 'not-consumed': 0, skipped: 0, failed: 1 })
    expect(summary.passed).toBe(false)
  })

  it('without --expect, takes the highest version in the fleet (SemVer order, pre-releases included) as the reference', () => {
    const summary = summarizeFleet(fleet.slice(0, 3), { signaturesChecked: false })
    expect(summary.expected).toBe('1.3.0-rc.1')
    expect(summary.expectedFrom).toBe('fleet')
    expect(summary.results.map((r) => r.status)).toEqual(['behind', 'behind', 'ok'])
  })

  it('passes when every repo is ok, and with signatures checked only when every pin is signed by the bot', () => {
    const ok = [audit('o/a', { signature: 'signed-by-bot' }), audit('o/b', { signature: 'signed-by-bot' })]
    expect(summarizeFleet(ok, { signaturesChecked: false }).passed).toBe(true)
    expect(summarizeFleet(ok, { signaturesChecked: true }).passed).toBe(true)
    const handEdited = [ok[0], audit('o/b', { signature: 'unsigned' })]
    const summary = summarizeFleet(handEdited, { signaturesChecked: true })
    expect(summary.passed).toBe(false)
    expect(summary.counts.signatures).toEqual({ 'signed-by-bot': 1, unsigned: 1 })
    expect(summarizeFleet(handEdited, { signaturesChecked: false }).passed).toBe(true)
  })

  it('a repo cascade would skip (no required file) is skipped here too: not the reference, not a failure', () => {
    const skipped = audit('o/library', { version: '9.0.0', skipped: 'missing-required-file' })
    const summary = summarizeFleet([audit('o/a', { signature: 'signed-by-bot' }), skipped], { signaturesChecked: true })
    expect(summary.expected).toBe('1.2.0')
    expect(summary.results.map((r) => r.status)).toEqual(['ok', 'skipped'])
    expect(summary.passed).toBe(true)
  })

  it('has no reference when no repo has a valid pin', () => {
    const summary = summarizeFleet([fleet[3], fleet[4]], { signaturesChecked: false })
    expect(summary.expected).toBeNull()
    expect(summary.passed).toBe(false)
  })
})
