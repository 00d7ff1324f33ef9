import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  actionsGroup,
  appendStepSummary,
  commitMarkdown,
  errorAnnotation,
  errorReport,
  inActions,
  markdownCell,
  markdownTable,
  publishToActions,
  setOutputs,
} from '../../../src/report/actions.js'
import { clearSecrets, registerSecret } from '../../../src/redact.js'
import { parseOutputs } from '../../support/actions.js'
import { tempDir } from '../../support/tmp.js'

describe('Actions output', () => {
  afterEach(() => clearSecrets())

  it('knows when it runs in Actions', () => {
    expect(inActions({ GITHUB_ACTIONS: 'true' })).toBe(true)
    expect(inActions({ GITEA_ACTIONS: 'true' })).toBe(true)
    expect(inActions({ CI: 'true' })).toBe(false)
  })

  it('escapes an annotation as workflow commands require: the properties also for their delimiters', () => {
    expect(errorAnnotation({ title: 'a: b, c%\n', message: '50%\r\nok: a, b' })).toBe('::error title=a%3A b%2C c%25%0A::50%25%0D%0Aok: a, b')
    expect(errorAnnotation({ title: 'pinbot verify: dir,x/.runtime-version', message: 'm', file: 'dir,x/.runtime-version', line: 1, col: 6 })).toBe(
      '::error file=dir%2Cx/.runtime-version,line=1,col=6,title=pinbot verify%3A dir%2Cx/.runtime-version::m',
    )
  })

  it('redacts secrets in annotations', () => {
    registerSecret('s3cr3t-token')
    expect(errorAnnotation({ title: 'pinbot cascade: x', message: 'token s3cr3t-token refused' })).toBe('::error title=pinbot cascade%3A x::token *** refused')
  })

  it('folds a block into a group whose title cannot end the command early', () => {
    expect(actionsGroup('[1/2] acme/api: updated', '  version: 1 -> 2')).toBe('::group::[1/2] acme/api: updated\n  version: 1 -> 2\n::endgroup::\n')
    expect(actionsGroup('a\nb', '')).toBe('::group::a%0Ab\n::endgroup::\n')
  })

  it('writes step outputs in the multi-line form, so a value cannot inject another output', async () => {
    const { dir, cleanup } = await tempDir()
    try {
      const file = path.join(dir, 'output')
      await writeFile(file, 'earlier=1\n')
      registerSecret('s3cr3t-token')
      setOutputs({ failed: 2, 'failed-repos': 'a/b\nc/d', evil: 'x\nPINBOT_EOF\ninjected=1', secret: 's3cr3t-token', skipped: undefined, empty: null }, { GITHUB_OUTPUT: file })
      setOutputs({ nowhere: 1 }, {})
      expect(parseOutputs(await readFile(file, 'utf8'))).toEqual({
        earlier: '1',
        failed: '2',
        'failed-repos': 'a/b\nc/d',
        evil: 'x\nPINBOT_EOF\ninjected=1',
        secret: '***',
        empty: '',
      })
    } finally {
      await cleanup()
    }
  })

  it('publishes a report: annotations only inside Actions, outputs and summary to the runner files', async () => {
    const { dir, cleanup } = await tempDir()
    try {
      const env = { GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: path.join(dir, 'out'), GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md') }
      const written: string[] = []
      publishToActions(errorReport('cascade', { code: 'token-rejected', message: 'the forge rejected the token', hint: 'check PINBOT_TOKEN' }, 2), env, (t) => written.push(t))
      expect(written).toEqual(['::error title=pinbot cascade%3A token-rejected::the forge rejected the token%0AHint: check PINBOT_TOKEN\n'])
      expect(parseOutputs(await readFile(env.GITHUB_OUTPUT, 'utf8'))).toEqual({ 'exit-code': '2', error: 'token-rejected' })
      expect(await readFile(env.GITHUB_STEP_SUMMARY, 'utf8')).toBe('## pinbot cascade: stopped (exit 2)\n\n**token-rejected**: the forge rejected the token\n\nHint: check PINBOT\\_TOKEN\n')
      const outside: string[] = []
      publishToActions({ annotations: [{ title: 't', message: 'm' }], outputs: {} }, {}, (t) => outside.push(t))
      expect(outside).toEqual([])
    } finally {
      await cleanup()
    }
  })

  it('escapes Markdown and HTML in table cells, and keeps a cell on one line', () => {
    expect(markdownCell('needs `x` | <y> & *z* [w] a_b #1 \\')).toBe('needs \\`x\\` \\| \\<y\\> &amp; \\*z\\* \\[w\\] a\\_b \\#1 \\\\')
    expect(markdownCell('one\r\ntwo\nthree\rfour')).toBe('one<br>two<br>three<br>four')
  })

  it('builds a table from trusted headers and escaped cells (Markdown cells placed as built)', () => {
    expect(markdownTable(['A', 'B → C'], [['x|y', { markdown: '`1`' }]])).toEqual(['| A | B → C |', '| --- | --- |', '| x\\|y | `1` |'])
  })

  it('links a commit id by the commitUrl template, and shows it bare without one', () => {
    const commit = '0123456789abcdef0123456789abcdef01234567'
    expect(commitMarkdown(commit, { forge: 'https://f.test', repo: 'a/b' })).toEqual({ markdown: '`0123456789`' })
    expect(commitMarkdown(commit, { template: '{forge}/{repo}/commit/{commit}', forge: 'https://f.test/git', repo: 'a/b' })).toEqual({
      markdown: `[\`0123456789\`](https://f.test/git/a/b/commit/${commit})`,
    })
    expect(commitMarkdown(commit, { template: 'https://x.test/(x)/{commit}', forge: '', repo: 'a/b' }).markdown).toBe(`[\`0123456789\`](https://x.test/%28x%29/${commit})`)
  })

  it('appends the summary, redacted, only when the runner names a file', async () => {
    const { dir, cleanup } = await tempDir()
    try {
      const file = path.join(dir, 'summary.md')
      registerSecret('s3cr3t-token')
      appendStepSummary('first s3cr3t-token\n', { GITHUB_STEP_SUMMARY: file })
      appendStepSummary('second\n', { GITHUB_STEP_SUMMARY: file })
      appendStepSummary('nowhere\n', {})
      expect(await readFile(file, 'utf8')).toBe('first ***\nsecond\n')
    } finally {
      await cleanup()
    }
  })
})
