import { describe, expect, it } from 'vitest'
import type { RepoAudit } from '../../../src/audit/audit.js'
import { summarizeFleet } from '../../../src/audit/audit-fleet.js'
import { describeFindings, formatAge, formatAuditCounts, renderAuditAnnotations, renderAuditReport, renderAuditStepSummary, toJsonReport } from '../../../src/audit/audit-report.js'

const NOW = Date.parse('2026-01-10T12:00:00Z')
const person = (name: string, email: string, date = '2026-01-07T12:00:00Z') => ({ name, email, date })
const commit = (author = person('Pin Bot', 'pinbot@example.com')) => ({ oid: 'abcdef0123456789abcdef0123456789abcdef01', distance: 1, author, committer: author })

function audit(repo: string, over: Partial<RepoAudit> = {}): RepoAudit {
  return { repo, branch: 'main', tip: 'f'.repeat(40), pin: 'present', version: '1.2.0', problems: [], signature: 'signed-by-bot', commit: commit(), replacedBotPin: null, skipped: null, consumer: null, error: null, ...over }
}

const fleet = summarizeFleet(
  [
    audit('acme/ok'),
    audit('acme/hand', {
      version: '1.1.0',
      signature: 'unsigned',
      commit: commit(person('Jane', 'jane@example.com')),
      replacedBotPin: { oid: '0123456789abcdef0123456789abcdef01234567', distance: 3, version: '1.2.0' },
    }),
    audit('acme/bad|pipe', { pin: 'invalid', version: null, signature: 'bad-signature', problems: [{ line: 1, column: 1, code: 'leading-v', message: 'leading "v" is not allowed (found "v1.2.0")', hint: 'write "1.2.0"' }] }),
    audit('acme/gone', { branch: null, tip: null, pin: null, version: null, signature: null, commit: null, error: { code: 'not-found', message: 'repository not found', hint: 'check the name' } }),
    audit('acme/deep', { signature: 'beyond-max-depth', commit: null }),
  ],
  { expect: '1.2.0', signaturesChecked: true },
)
const view = { now: NOW, pinFile: '.runtime-version', signaturesChecked: true }

describe('formatAge', () => {
  it.each([
    ['2026-01-10T11:59:30Z', '0m'],
    ['2026-01-10T11:15:00Z', '45m'],
    ['2026-01-09T12:00:00Z', '24h'],
    ['2026-01-08T11:00:00Z', '2d'],
    ['2025-01-10T12:00:00Z', '365d'],
  ])('%s is %s ago', (iso, age) => expect(formatAge(iso, NOW)).toBe(age))
})

describe('audit report', () => {
  it('counts statuses and signatures against the reference in one line', () => {
    expect(formatAuditCounts(fleet)).toBe('5 repos, expected 1.2.0 (--expect): 2 ok, 1 behind, 1 invalid, 1 failed; signatures: 1 signed-by-bot, 1 unsigned, 1 bad-signature, 1 beyond-max-depth')
  })

  it('says nothing about a repo that passed, and for the rest what is wrong and what to do', () => {
    const find = (repo: string) => describeFindings(fleet.results.find((r) => r.repo === repo)!, fleet, '.runtime-version', true)
    expect(find('acme/ok')).toEqual([])
    expect(find('acme/hand')).toEqual([
      'pinned 1.1.0, expected 1.2.0',
      'the last change to .runtime-version, abcdef0123 by Jane <jane@example.com>, is not signed',
      "a hand edit after the bot's signed pin 0123456789 (1.2.0)",
      "hint: re-pin with `pinbot cascade` (or `pinbot pin`) so the pin is the bot's again, or revert the edit",
    ])
    expect(find('acme/bad|pipe')).toEqual([
      '.runtime-version:1:1: leading "v" is not allowed (found "v1.2.0"); write "1.2.0"',
      'the last change to .runtime-version, abcdef0123 by Pin Bot <pinbot@example.com>, has a signature that does not match its content (altered after signing?)',
    ])
    expect(find('acme/gone')).toEqual(['not-found: repository not found', 'hint: check the name'])
    expect(find('acme/deep')).toEqual(['the last change to .runtime-version is more than the searched depth back; raise --max-depth'])
  })

  it('renders the table with the last pin commit and its age, then the findings', () => {
    const text = renderAuditReport(fleet, view)
    expect(text.split('\n')[2]).toMatch(/^acme\/ok\s+main\s+1\.2\.0\s+ok\s+signed-by-bot\s+abcdef0123 Pin Bot\s+3d$/)
    expect(text).toMatch(/^acme\/gone\s+-\s+-\s+failed\s+-\s+-\s+-$/m)
    expect(text).toContain('\nacme/hand:\n  pinned 1.1.0, expected 1.2.0\n')
    expect(text).not.toContain('acme/ok:')
  })

  it('escapes Markdown in the step summary, so a cell cannot break the table', () => {
    const markdown = renderAuditStepSummary(fleet, view)
    expect(markdown.startsWith('## pinbot verify-pins: pins need attention\n')).toBe(true)
    expect(markdown).toContain('| acme/bad\\|pipe | main | - | invalid | bad-signature |')
    expect(markdown).toContain('- **acme/bad\\|pipe**: .runtime-version:1:1: leading "v" is not allowed')
    expect(markdown.split('\n').filter((l) => l.startsWith('| acme/'))).toHaveLength(5)
  })

  it('annotates each repo that needs attention, on one line each', () => {
    const lines = renderAuditAnnotations(fleet, view)
    expect(lines).toHaveLength(4)
    expect(lines[0]).toBe(
      "::error title=verify-pins acme/hand::pinned 1.1.0, expected 1.2.0%0Athe last change to .runtime-version, abcdef0123 by Jane <jane@example.com>, is not signed%0Aa hand edit after the bot's signed pin 0123456789 (1.2.0)%0Ahint: re-pin with `pinbot cascade` (or `pinbot pin`) so the pin is the bot's again, or revert the edit",
    )
  })

  it('the JSON document has the documented keys', () => {
    const json = toJsonReport(fleet)
    expect(Object.keys(json)).toEqual(['expected', 'expectedFrom', 'passed', 'results', 'counts'])
    expect(Object.keys(json.results[0])).toEqual(['repo', 'branch', 'version', 'status', 'signature', 'commit', 'problems', 'replacedBotPin', 'pin', 'tip', 'skipped', 'consumer', 'error'])
  })
})
