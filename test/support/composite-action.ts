/**
 * Run a composite action's `run:` steps as an Actions runner would, on this machine: each
 * step's `env:` evaluated (only the `${{ inputs.X }}`, `${{ github.action_path }}` and
 * `${{ steps.ID.outputs.X }}` expressions the action uses), its script run with
 * `bash --noprofile --norc -eo pipefail`, a fresh $GITHUB_OUTPUT per step, one
 * $GITHUB_STEP_SUMMARY for the job, and the action's outputs evaluated at the end. A
 * failing step skips the rest, as on a runner. YAML is read with the system's PyYAML
 * (shipped with pre-commit, which the tests already need).
 */
import { spawnSync } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parseOutputs } from './actions.js'
import { run } from './spawn.js'

interface ActionStep {
  id?: string
  name?: string
  shell?: string
  env?: Record<string, string>
  run?: string
  uses?: string
}

export interface ActionDefinition {
  inputs: Record<string, { default?: string; required?: boolean }>
  outputs: Record<string, { value: string }>
  runs: { using: string; steps: ActionStep[] }
}

export function readYaml<T>(file: string): T {
  const result = spawnSync('python3', ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)', file], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`cannot read ${file} as YAML: ${result.stderr}`)
  return JSON.parse(result.stdout) as T
}

export interface ActionRun {
  /** The exit code of the step that failed, or 0. */
  code: number
  /** Everything the steps printed (stdout then stderr of each step), as the log shows it. */
  log: string
  stderr: string
  outputs: Record<string, string>
  summary: string
}

export interface RunActionOptions {
  actionPath: string
  inputs: Record<string, string>
  /** The job's environment (GITHUB_ACTIONS and the runner files are added). */
  env: Record<string, string | undefined>
  /** The workspace (the steps' working directory) and where the runner files go. */
  workspace: string
  runnerTemp: string
}

function evaluate(expression: string, context: { inputs: Record<string, string>; actionPath: string; steps: Record<string, Record<string, string>> }): string {
  return expression.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, inner: string) => {
    const input = /^inputs\.([\w-]+)$/.exec(inner)
    if (input) return context.inputs[input[1]] ?? ''
    if (inner === 'github.action_path') return context.actionPath
    const output = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(inner)
    if (output) return context.steps[output[1]]?.[output[2]] ?? ''
    throw new Error(`the test runner does not evaluate \${{ ${inner} }}`)
  })
}

export async function runCompositeAction(options: RunActionOptions): Promise<ActionRun> {
  const action = readYaml<ActionDefinition>(path.join(options.actionPath, 'action.yml'))
  if (action.runs.using !== 'composite') throw new Error('not a composite action')
  const inputs: Record<string, string> = {}
  for (const [name, spec] of Object.entries(action.inputs)) inputs[name] = options.inputs[name] ?? spec.default ?? ''
  for (const name of Object.keys(options.inputs)) if (!(name in action.inputs)) throw new Error(`action.yml has no input ${name}`)
  const context = { inputs, actionPath: options.actionPath, steps: {} as Record<string, Record<string, string>> }
  const summaryFile = path.join(options.runnerTemp, 'step-summary.md')
  await writeFile(summaryFile, '')
  let log = ''
  let stderr = ''
  let code = 0
  for (const [index, step] of action.runs.steps.entries()) {
    if (step.run === undefined) throw new Error(`step ${step.name ?? index} is not a run: step`)
    if (step.shell !== 'bash') throw new Error(`step ${step.name ?? index}: the test runner runs bash steps only`)
    const outputFile = path.join(options.runnerTemp, `output-${index}`)
    const script = path.join(options.runnerTemp, `step-${index}.sh`)
    await writeFile(outputFile, '')
    await writeFile(script, step.run)
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([name, value]) => [name, evaluate(String(value), context)]))
    const env: NodeJS.ProcessEnv = {}
    for (const [name, value] of Object.entries({ ...options.env, ...stepEnv })) if (value !== undefined) env[name] = value
    Object.assign(env, { GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, RUNNER_TEMP: options.runnerTemp, GITHUB_WORKSPACE: options.workspace })
    const result = await run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd: options.workspace, env })
    log += result.stdout + result.stderr
    stderr += result.stderr
    if (step.id) context.steps[step.id] = parseOutputs(await readFile(outputFile, 'utf8'))
    if (result.code !== 0) {
      code = result.code
      break
    }
  }
  const outputs = Object.fromEntries(Object.entries(action.outputs).map(([name, spec]) => [name, evaluate(spec.value, context)]))
  return { code, log, stderr, outputs, summary: await readFile(summaryFile, 'utf8') }
}
