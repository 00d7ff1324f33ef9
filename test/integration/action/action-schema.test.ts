/**
 * action.yml and the example workflows in docs/ validate against the published schemas
 * (@action-validator/cli, the real schemas of GitHub's action and workflow files), and
 * the examples use only inputs and outputs the action has.
 */
import { readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../../support/cli.js'
import { readYaml, type ActionDefinition } from '../../support/composite-action.js'
import { run } from '../../support/spawn.js'
import { tempDir } from '../../support/tmp.js'

const VALIDATOR = path.join(ROOT, 'node_modules/.bin/action-validator')
const WORKFLOWS = readdirSync(path.join(ROOT, 'docs/workflows')).filter((name) => name.endsWith('.yml'))

describe('action.yml and the docs/ workflows', () => {
  it.each(['action.yml', ...WORKFLOWS.map((name) => `docs/workflows/${name}`)])('%s validates against its schema', async (file) => {
    const result = await run(VALIDATOR, [path.join(ROOT, file)])
    expect(result.code, `${result.stdout}${result.stderr}`).toBe(0)
  })

  it('the validator does refuse a broken action (so a pass means something)', async () => {
    const { dir, cleanup } = await tempDir()
    try {
      const broken = path.join(dir, 'action.yml')
      writeFileSync(broken, 'name: x\ndescription: y\nruns:\n  using: composite\n  steps:\n    - run: echo hi\n')
      const result = await run(VALIDATOR, [broken])
      expect(result.code).not.toBe(0)
      // Judged as an action (by its file name), and the missing `shell:` of a run step found.
      expect(`${result.stdout}${result.stderr}`).toContain('"actionType": "action"')
      expect(`${result.stdout}${result.stderr}`).toContain('/runs/steps/0/shell')
    } finally {
      await cleanup()
    }
  })

  it('the examples pass only inputs the action has, and read only outputs it sets', () => {
    const action = readYaml<ActionDefinition>(path.join(ROOT, 'action.yml'))
    let uses = 0
    for (const name of WORKFLOWS) {
      const text = JSON.stringify(readYaml(path.join(ROOT, 'docs/workflows', name)))
      const workflow = readYaml<{ jobs: Record<string, { steps: Array<{ id?: string; uses?: string; with?: Record<string, unknown> }> }> }>(path.join(ROOT, 'docs/workflows', name))
      for (const job of Object.values(workflow.jobs)) {
        for (const step of job.steps.filter((s) => s.uses?.includes('/pinbot@'))) {
          uses++
          for (const input of Object.keys(step.with ?? {})) expect(Object.keys(action.inputs), `${name}: input ${input}`).toContain(input)
          for (const [, output] of text.matchAll(new RegExp(`steps\\.${step.id}\\.outputs\\.([\\w-]+)`, 'g'))) expect(Object.keys(action.outputs), `${name}: output ${output}`).toContain(output)
        }
      }
    }
    expect(uses).toBe(WORKFLOWS.length)
  })
})
