// Cold start-up of `pinbot verify FILE` and `pinbot --version` against `node -e ""` (issue 8:
// verify at most 3x). Usage: npm run build && node bench/verify-startup.mjs [runs] [pinbot root]
// Runs alternate between the commands so load changes on the machine hit all of them.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

const root = path.resolve(process.argv[3] ?? path.resolve(import.meta.dirname, '..'))
const runs = Number(process.argv[2] ?? 10)
const dir = mkdtempSync(path.join(tmpdir(), 'pinbot-bench-'))
const file = path.join(dir, '.runtime-version')
writeFileSync(file, '1.2.3\n')
// The hook's real work: --staged in a repository (three short git calls).
spawnSync('git', ['init', '-q', dir])
spawnSync('git', ['add', '.runtime-version'], { cwd: dir })

const commands = {
  'node -e ""': ['-e', ''],
  'pinbot verify FILE (bin/run.js, fast path)': [path.join(root, 'bin/run.js'), 'verify', file],
  'pinbot verify FILE (through oclif)': [path.join(root, 'test/support/run-oclif.mjs'), 'verify', file],
  'pinbot verify --staged (fast path)': [path.join(root, 'bin/run.js'), 'verify', '--staged'],
  'pinbot --version': [path.join(root, 'bin/run.js'), '--version'],
}
const times = Object.fromEntries(Object.keys(commands).map((name) => [name, []]))
for (let i = 0; i < runs + 1; i++) {
  for (const [name, args] of Object.entries(commands)) {
    const start = process.hrtime.bigint()
    const result = spawnSync(process.execPath, args, { cwd: dir, stdio: 'ignore' })
    const ms = Number(process.hrtime.bigint() - start) / 1e6
    if (result.status !== 0) throw new Error(`${name} exited ${result.status}`)
    if (i > 0) times[name].push(ms) // the first round warms the OS file cache
  }
}
rmSync(dir, { recursive: true })

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const base = median(times['node -e ""'])
for (const [name, xs] of Object.entries(times)) {
  console.log(`${name.padEnd(45)} median ${median(xs).toFixed(1).padStart(6)} ms  (${(median(xs) / base).toFixed(2)}x)  min ${Math.min(...xs).toFixed(1)}  max ${Math.max(...xs).toFixed(1)}`)
}
