import { describe, expect, it } from 'vitest'
import type { CascadeReport } from '../../../src/fleet/cascade.js'
import {
  cascadeOutputs,
  formatCounts,
  formatDuration,
  renderAnnotations,
  renderDoneLine,
  renderFailures,
  renderRepoBlock,
  renderStepSummary,
  renderSummaryTable,
} from '../../../src/fleet/cascade-report.js'
import type { PinResult } from '../../../src/pin/pin-result.js'
import { errorAnnotation } from '../../../src/report/actions.js'

const updated: PinResult = { repo: 'acme/api', branch: 'main', outcome: 'updated', before: '0.1.7', after: '0.1.8', commit: '1a2b3c4d5e6f7a8b9c0d', attempts: 2, durationMs: 1234 }
const unchanged: PinResult = { repo: 'acme/web', branch: 'trunk', outcome: 'unchanged', before: '0.1.8', after: '0.1.8', attempts: 1, durationMs: 300 }
const skipped: PinResult = { repo: 'acme/docs', branch: 'main', outcome: 'skipped', reason: 'missing .github/workflows/publish-image.yml', before: '0.1.7', after: '0.1.7', attempts: 1, durationMs: 80 }
const failed: PinResult = {
  repo: 'acme/locked',
  branch: '',
  outcome: 'failed',
  reason: 'forbidden',
  attempts: 1,
  error: { code: 'forbidden', message: 'push to acme/locked refused (403)\nremote: no write access', hint: 'give the bot write access, 100% needed' },
  durationMs: 61_500,
}
const report: CascadeReport = { version: '0.1.8', dryRun: false, results: [updated, unchanged, skipped, failed], counts: { updated: 1, unchanged: 1, skipped: 1, failed: 1 } }

describe('per-repo block (non-TTY output)', () => {
  it('says everything about one repo in one block', () => {
    expect(renderRepoBlock(updated, { done: 3, total: 12, log: ['attempt 1: main is at 1a2b3c4', 'pushed 9f8e7d6 (0.1.7 -> 0.1.8) to main'] })).toBe(
      [
        '[3/12] acme/api (main): updated',
        '  | attempt 1: main is at 1a2b3c4',
        '  | pushed 9f8e7d6 (0.1.7 -> 0.1.8) to main',
        '  version: 0.1.7 -> 0.1.8',
        '  commit: 1a2b3c4d5e6f7a8b9c0d',
        '  2 attempts, 1.2s',
      ].join('\n'),
    )
  })

  it('gives a failure its code, message and hint, and a skip its reason', () => {
    expect(renderRepoBlock(failed)).toBe(
      [
        'acme/locked: failed (forbidden)',
        '  version: -',
        '  error: forbidden: push to acme/locked refused (403)\nremote: no write access',
        '  hint: give the bot write access, 100% needed',
        '  1 attempt, 1m02s',
      ].join('\n'),
    )
    expect(renderRepoBlock(skipped).split('\n')[0]).toBe('acme/docs (main): skipped (missing .github/workflows/publish-image.yml)')
  })
})

describe('live TTY view', () => {
  it('prints one line per finished repo', () => {
    expect(renderDoneLine(updated)).toBe('✓ acme/api (main)  0.1.7 -> 0.1.8  updated  1.2s')
    expect(renderDoneLine(skipped)).toBe('- acme/docs (main)  0.1.7 -> 0.1.7  skipped (missing .github/workflows/publish-image.yml)  0.1s')
    expect(renderDoneLine(failed)).toMatch(/^✗ acme\/locked  -  failed \(forbidden: push to acme\/locked refused/)
  })
})

describe('summary', () => {
  it('renders the final table with every column the issue asks for', () => {
    expect(renderSummaryTable(report.results).split('\n')).toEqual([
      'repo         branch  before -> after  outcome    reason                                       attempts  time',
      '-----------  ------  ---------------  ---------  -------------------------------------------  --------  -----',
      'acme/api     main    0.1.7 -> 0.1.8   updated                                                 2         1.2s',
      'acme/web     trunk   0.1.8 -> 0.1.8   unchanged                                               1         0.3s',
      'acme/docs    main    0.1.7 -> 0.1.7   skipped    missing .github/workflows/publish-image.yml  1         0.1s',
      'acme/locked  -       -                failed     forbidden                                    1         1m02s',
    ])
  })

  it('counts outcomes and lists failures with the re-run command', () => {
    expect(formatCounts(report.counts)).toBe('4 repos: 1 updated, 1 unchanged, 1 skipped, 1 failed')
    expect(renderFailures(report.results, 'pinbot cascade --only acme/locked')).toBe(
      [
        '1 repo failed:',
        '  acme/locked: forbidden: push to acme/locked refused (403)\nremote: no write access',
        '    hint: give the bot write access, 100% needed',
        'Re-run only the failed repos with:',
        '  pinbot cascade --only acme/locked',
      ].join('\n'),
    )
    expect(renderFailures([updated], 'unused')).toBe('')
  })

  it('formats durations for people', () => {
    expect([0, 49, 950, 59_940, 60_000, 125_400].map(formatDuration)).toEqual(['0.0s', '0.0s', '0.9s', '59.9s', '1m00s', '2m05s'])
  })
})

describe('GitHub/Gitea Actions', () => {
  it('writes a Markdown step summary whose cells cannot break the table', () => {
    const markdown = renderStepSummary({ ...report, dryRun: true }, { rerun: "pinbot cascade --manifest 'a b.json' --only acme/locked" })
    const lines = markdown.split('\n')
    expect(lines[0]).toBe('## pinbot cascade 0.1.8 (dry run)')
    expect(markdown).toContain('4 repos: 1 updated, 1 unchanged, 1 skipped, 1 failed')
    expect(lines).toContain('| Repo | Branch | Before → After | Commit | Outcome | Reason | Attempts | Time |')
    expect(lines).toContain('| acme/api | main | 0.1.7 → 0.1.8 | `1a2b3c4d5e` | updated |  | 2 | 1.2s |')
    expect(lines).toContain('| acme/locked | - | - | - | failed | forbidden | 1 | 1m02s |')
    // Every table row has exactly the header's 9 pipes.
    for (const row of lines.filter((line) => line.startsWith('| '))) expect(row.replace(/\\\|/g, '').split('|')).toHaveLength(10)
    expect(markdown).toContain('- **acme/locked**: forbidden: push to acme/locked refused (403)<br>remote: no write access (hint: give the bot write access, 100% needed)')
    expect(markdown).toContain("```sh\npinbot cascade --manifest 'a b.json' --only acme/locked\n```\n")
    expect(markdown.endsWith('\n')).toBe(true)
  })

  it('escapes Markdown and HTML in repo names, reasons and messages', () => {
    const odd: PinResult = { ...skipped, repo: 'acme/a_b', reason: 'needs `x` | <y> & *z* [w]' }
    const markdown = renderStepSummary({ ...report, results: [odd] })
    expect(markdown).toContain('| acme/a\\_b | main | 0.1.7 → 0.1.7 | - | skipped | needs \\`x\\` \\| \\<y\\> &amp; \\*z\\* \\[w\\] | 1 | 0.1s |')
    expect(markdown).not.toContain('### Failed')
  })

  it('links each commit id when the manifest gives a commitUrl template (Gitea, GitHub, GitLab shapes)', () => {
    const shapes = [
      ['{forge}/{repo}/commit/{commit}', 'https://git.example.com/acme/api/commit/1a2b3c4d5e6f7a8b9c0d'],
      ['https://github.com/{repo}/commit/{commit}', 'https://github.com/acme/api/commit/1a2b3c4d5e6f7a8b9c0d'],
      ['{forge}/{repo}/-/commit/{commit}', 'https://git.example.com/acme/api/-/commit/1a2b3c4d5e6f7a8b9c0d'],
    ]
    for (const [commitUrl, url] of shapes) {
      const markdown = renderStepSummary(report, { links: { commitUrl, forge: 'https://git.example.com' } })
      expect(markdown).toContain(`| acme/api | main | 0.1.7 → 0.1.8 | [\`1a2b3c4d5e\`](${url}) | updated |`)
    }
  })

  it('emits one annotation per failed repo, titled pinbot COMMAND: REPO, escaped as workflow commands require', () => {
    expect(renderAnnotations(report.results).map(errorAnnotation)).toEqual([
      '::error title=pinbot cascade%3A acme/locked::forbidden: push to acme/locked refused (403)%0Aremote: no write access%0AHint: give the bot write access, 100%25 needed',
    ])
    expect(renderAnnotations([updated, unchanged, skipped])).toEqual([])
  })

  it('gives the counts, the failed repos and the report path as step outputs', () => {
    expect(cascadeOutputs(report, '/tmp/report.json')).toEqual({
      updated: 1,
      unchanged: 1,
      skipped: 1,
      failed: 1,
      counts: '{"updated":1,"unchanged":1,"skipped":1,"failed":1}',
      'failed-repos': 'acme/locked',
      'exit-code': 1,
      report: '/tmp/report.json',
    })
  })
})
