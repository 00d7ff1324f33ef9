import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { LEFTHOOK_COMMAND, withLefthookCommand, withoutLefthookCommand } from '../../../src/hooks/lefthook-config.js'

const LEFTHOOK = path.resolve(import.meta.dirname, '../../../node_modules/.bin/lefthook')

/** lefthook's own verdict on a configuration, and the pre-commit jobs it sees. */
function lefthookAccepts(yaml: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'pinbot-lefthook-'))
  try {
    spawnSync('git', ['init', '-q', dir])
    writeFileSync(path.join(dir, 'lefthook.yml'), yaml)
    const result = spawnSync(LEFTHOOK, ['validate'], { cwd: dir, encoding: 'utf8' })
    return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const LAYOUTS: Record<string, string> = {
  'no configuration yet': '',
  'only comments (what lefthook install writes)': '# EXAMPLE USAGE:\n#\n# pre-commit:\n#   jobs:\n#     - run: yarn eslint\n',
  'other hooks only': 'pre-push:\n  commands:\n    audit:\n      run: npm audit\n',
  'pre-commit commands': 'pre-commit:\n  parallel: true\n  commands:\n    lint:\n      run: npm run lint\npre-push:\n  commands:\n    test:\n      run: npm test\n',
  'pre-commit jobs (4-space indent)': 'pre-commit:\n    jobs:\n        - name: lint\n          run: npm run lint\n',
  'pre-commit without commands': 'pre-commit:\n  parallel: true\n',
}

describe('pinbot in lefthook.yml', () => {
  it.each(Object.entries(LAYOUTS))('adds one command to %s that lefthook accepts, once, and removes exactly it', (_name, yaml) => {
    const added = withLefthookCommand(yaml, 'lefthook.yml')
    expect(added.match(new RegExp(LEFTHOOK_COMMAND, 'g'))).toHaveLength(1)
    expect(withLefthookCommand(added, 'lefthook.yml')).toBe(added)
    expect(withoutLefthookCommand(added)).toBe(yaml)
    const verdict = lefthookAccepts(added)
    expect(verdict.ok, verdict.output).toBe(true)
  })

  it('refuses layouts it does not edit, with the snippet to add by hand', () => {
    expect(() => withLefthookCommand('pre-commit: { commands: { a: { run: x } } }\n', 'lefthook.yml')).toThrow(/not a block mapping/)
    expect(() => withLefthookCommand('pre-commit:\n  commands: {}\n', 'lefthook.yml')).toThrow(/not a block mapping/)
    expect(() => withLefthookCommand('[pre-commit]\n', 'lefthook.toml')).toThrow(expect.objectContaining({ code: 'lefthook-config-unsupported', hint: expect.stringContaining(`    ${LEFTHOOK_COMMAND}:\n      run: |`) }))
    expect(withoutLefthookCommand('pre-commit:\n  commands: {}\n')).toBeUndefined()
  })
})
