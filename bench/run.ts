/**
 * `npm run bench`: pinbot against the bash cascade it replaces, on the loopback forge with
 * an injected round-trip delay. Prints a table of medians and ratios and writes it to
 * bench/RESULTS.md. Ratios come from one run on one machine; absolute times do not travel.
 *
 *   npm run bench -- [--delay MS] [--quick] [--concurrency N (default: the cascade's, 32)]
 *                    [--fleet N (the sharded fleet, default 2000)] [--fleet-only]
 *                    [--only bytes|cascade|fleet|signing|verify-pins[,...]] [--sizes N[,N...]] [--runs N]
 *                    [--baseline DIR (another checkout, built: its cascade runs beside this one's)]
 *
 * `--only` runs just the named parts: `bytes` the bytes on the wire (a deepening step, a ref
 * listing), `cascade` the shallow git loop vs pinbot cascade at each size (without the
 * minutes-long sequential seed loop), `fleet` as `--fleet-only`, `signing` the OpenPGP-vs-SSH
 * signed cascade comparison, `verify-pins` the audit vs the clone + cat loop.
 * `--sizes` sets the cascade's fleet sizes (default 9, 50, 200) and `--runs` its runs per size
 * (default 3): `--only cascade --sizes 200` compares two commits' N=200 cascades, each as a
 * ratio to the same run's shallow git loop. `--baseline DIR` does that in one run: the cascade of
 * another checkout (e.g. a worktree of an older commit, after `npm ci && npm run build` there)
 * runs after this one's on a fresh copy of the same fleet, in alternating order, against the
 * same forge and shallow loop, and each size reports this/baseline per run and its median.
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Forge, type RequestRecord } from '../test/support/forge.js'
import { DEFAULT_CONCURRENCY } from '../src/fleet/cascade.js'
import { DEFAULT_AUDIT_CONCURRENCY } from '../src/audit/verify-pins.js'
import { git, GIT_ENV } from '../test/support/git.js'

const args = process.argv.slice(2)
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const quick = args.includes('--quick')
const only = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1].split(',')) : undefined
const runsPerSize = flag('runs', quick ? 1 : 3)
const sizeList = args.includes('--sizes') ? args[args.indexOf('--sizes') + 1].split(',').map(Number) : undefined
const delayMs = flag('delay', 50)
const concurrency = flag('concurrency', DEFAULT_CONCURRENCY)
const fleetOnly = args.includes('--fleet-only')
const PARTS = ['bytes', 'cascade', 'fleet', 'signing', 'verify-pins'] as const
const unknownPart = [...(only ?? [])].find((part) => !(PARTS as readonly string[]).includes(part))
if (unknownPart) throw new Error(`--only: no bench part named ${unknownPart} (${PARTS.join(', ')})`)
/** Whether a part of the bench runs: all of them, unless `--only` or `--fleet-only` names others. */
const wanted = (part: (typeof PARTS)[number] | 'rest') => (only ? only.has(part) : fleetOnly ? part === 'fleet' : true)
const fleetSize = flag('fleet', quick ? 40 : 2000)
const SHARDS = 4
const root = path.resolve(import.meta.dirname, '..')
const work = path.join(root, 'bench', '.work')
const cli = path.join(root, 'bin', 'run.js')
const baselineDir = args.includes('--baseline') ? path.resolve(args[args.indexOf('--baseline') + 1]) : undefined
const baselineCli = baselineDir && path.join(baselineDir, 'bin', 'run.js')
if (baselineDir && !existsSync(path.join(baselineDir, 'dist'))) throw new Error(`--baseline ${baselineDir}: no built checkout there (run npm ci && npm run build in it)`)

interface Run {
  ms: number
  rssMb?: number
  /** User + system CPU of the process (GNU time), in ms. */
  cpuMs?: number
  requests?: number
  /** Sequential round trips, summed over the repos (requests sent together count once). */
  roundTrips?: number
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]

/** Sequential round trips of each repo, summed: requests that arrived with as many of its requests answered went out together. */
function roundTrips(requests: RequestRecord[]): number {
  const rounds = new Map<string, Set<number>>()
  for (const r of requests) rounds.set(r.repo, (rounds.get(r.repo) ?? new Set()).add(r.answeredBefore))
  return [...rounds.values()].reduce((sum, set) => sum + set.size, 0)
}

const kib = (bytes: number) => (bytes < 10_240 ? `${bytes} B` : bytes < 10 << 20 ? `${(bytes / 1024).toFixed(0)} KiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`)

/** Run a command; wall time and (via GNU time) peak RSS of the process tree's largest process. */
async function timed(cmd: string, cmdArgs: string[], env: Record<string, string> = {}, allowedExit = [0]): Promise<Run & { stdout: string; code: number }> {
  const started = performance.now()
  const child = spawn('/usr/bin/time', ['-f', '__RSS_KB=%M __CPU_S=%U+%S', cmd, ...cmdArgs], {
    env: { ...process.env, ...GIT_ENV, ...env },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)))
  const ms = performance.now() - started
  const rss = /__RSS_KB=(\d+)/.exec(stderr)
  const cpu = /__CPU_S=([\d.]+)\+([\d.]+)/.exec(stderr)
  if (!allowedExit.includes(code)) {
    throw new Error(`${cmd} ${cmdArgs.slice(0, 3).join(' ')} exited ${code}: ${stderr.slice(-2000)}`)
  }
  return { ms, rssMb: rss ? Number(rss[1]) / 1024 : undefined, cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : undefined, stdout, code }
}

const TEMPLATE_FILES = (() => {
  const files: Record<string, string> = {
    '.runtime-version': '0.1.0\n',
    '.github/workflows/publish-image.yml': 'on: push\njobs: {}\n',
    Dockerfile: 'FROM python:3.12-slim\n',
  }
  for (let i = 0; i < 57; i++) files[`src/module_${i}.py`] = `# module ${i}\n${'x = 1\n'.repeat(40 + i)}`
  return files
})()

class Fleet {
  private templates = new Map<number, string>()
  constructor(readonly forge: Forge) {}

  private async template(commits: number): Promise<string> {
    let name = this.templates.get(commits)
    if (!name) {
      name = `bench-template/c${commits}`
      await this.forge.createRepo(name, { commits, files: TEMPLATE_FILES })
      this.templates.set(commits, name)
    }
    return name
  }

  /** N pristine repos (owner "fleet"), replacing any previous ones. */
  async reset(n: number, commits = 300): Promise<string[]> {
    const source = this.forge.repoPath(await this.template(commits))
    await rm(path.join(this.forge.root, 'fleet'), { recursive: true, force: true })
    const names = Array.from({ length: n }, (_, i) => `fleet/template-${String(i).padStart(3, '0')}`)
    await Promise.all(names.map((name) => cp(source, this.forge.repoPath(name), { recursive: true })))
    return names
  }
}

async function main(): Promise<void> {
  await rm(work, { recursive: true, force: true })
  await mkdir(work, { recursive: true })
  const forge = await Forge.start({ latencyMs: 0 })
  const fleet = new Fleet(forge)
  const token = forge.tokens.readWrite
  const env = { PINBOT_TOKEN: token }
  const keyFile = path.join(work, 'bot.asc')
  await timed('node', [cli, 'key', 'generate', '--name', 'Bench Bot', '--email', 'bench-bot@example.com', '--out', keyFile])
  const signingEnv = { ...env, PINBOT_SIGNING_KEY: await readFile(keyFile, 'utf8') }
  const rows: string[][] = []
  const note = (what: string, value: string, ratio = '') => {
    rows.push([what, value, ratio])
    console.log(`${what.padEnd(58)} ${value.padStart(12)} ${ratio}`)
  }
  const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`
  const x = (a: number, b: number) => `${(a / b).toFixed(1)}x`

  const manifest = async (names: string[], file: string) => {
    await writeFile(file, JSON.stringify({ forge: forge.url, repos: names, requireFile: '.github/workflows/publish-image.yml' }))
    return file
  }
  const authed = (names: string[]) => names.map((n) => forge.authedUrl(n))
  const cascade = async (names: string[], version: string, conc = concurrency, keyEnv: Record<string, string> = signingEnv, author: string[] = [], cliPath = cli) => {
    forge.clearLog()
    const file = await manifest(names, path.join(work, 'manifest.json'))
    const run = await timed('node', [cliPath, 'cascade', '--manifest', file, '--version', version, '--concurrency', String(conc), '--json', ...author], keyEnv)
    return { ...run, requests: forge.requests.length, roundTrips: roundTrips(forge.requests) }
  }
  const scratch = async () => {
    const dir = path.join(work, `scratch-${Math.random().toString(36).slice(2)}`)
    await mkdir(dir)
    return dir
  }

  console.log(`pinbot bench: delay ${delayMs} ms per request, concurrency ${concurrency}${quick ? ' (quick)' : ''}\n`)
  const sizes = !wanted('cascade') ? [] : (sizeList ?? (quick ? [9] : [9, 50, 200]))
  for (const n of sizes) {
    // The sequential seed loop takes minutes at N=200: run it once there, and not at all
    // when only the cascade comparison was asked for.
    const seedRuns = only ? 0 : quick || n >= 200 ? 1 : runsPerSize
    const seed: Run[] = []
    const seedRerun: Run[] = []
    const shallow: Run[] = []
    const shallowRerun: Run[] = []
    const pinbot: Run[] = []
    const pinbotRerun: Run[] = []
    const baseline: Run[] = []
    for (let r = 0; r < runsPerSize; r++) {
      const version = `1.${n}.${r + 1}`
      let names: string[]
      if (r < seedRuns) {
        names = await fleet.reset(n)
        forge.latencyMs = delayMs
        seed.push(await timed('bash', [path.join(root, 'bench/seed-loop.sh'), version, await scratch(), ...authed(names)]))
        seedRerun.push(await timed('bash', [path.join(root, 'bench/seed-loop.sh'), version, await scratch(), ...authed(names)]))
        forge.latencyMs = 0
      }
      names = await fleet.reset(n)
      forge.latencyMs = delayMs
      shallow.push(await timed('bash', [path.join(root, 'bench/shallow-loop.sh'), version, await scratch(), String(concurrency), ...authed(names)]))
      shallowRerun.push(await timed('bash', [path.join(root, 'bench/shallow-loop.sh'), version, await scratch(), String(concurrency), ...authed(names)]))
      forge.latencyMs = 0
      const baselineRun = async () => {
        const fresh = await fleet.reset(n)
        forge.latencyMs = delayMs
        baseline.push(await cascade(fresh, version, concurrency, signingEnv, [], baselineCli))
        forge.latencyMs = 0
      }
      // Alternating which of the two goes first cancels a drift in the machine's load.
      if (baselineCli && r % 2 === 1) await baselineRun()
      names = await fleet.reset(n)
      forge.latencyMs = delayMs
      pinbot.push(await cascade(names, version))
      pinbotRerun.push(await cascade(names, version))
      forge.latencyMs = 0
      if (baselineCli && r % 2 === 0) await baselineRun()
    }
    const m = (rs: Run[]) => median(rs.map((r) => r.ms))
    const perRepoTrips = median(pinbot.map((r) => r.roundTrips!)) / n
    const floor = Math.ceil(n / concurrency) * perRepoTrips * delayMs
    const each = (rs: Run[]) => rs.map((r) => (r.ms / 1000).toFixed(1)).join(', ')
    if (seedRuns > 0) note(`N=${n}: seed loop (sequential full clone)`, sec(m(seed)))
    note(`N=${n}: parallel shallow git loop (xargs -P ${concurrency})`, sec(m(shallow)), `runs ${each(shallow)} s`)
    note(
      `N=${n}: pinbot cascade (signed)`,
      sec(m(pinbot)),
      `${seedRuns > 0 ? `seed/pinbot ${x(m(seed), m(pinbot))}, ` : ''}shallow/pinbot ${x(m(shallow), m(pinbot))}; runs ${each(pinbot)} s; pinbot/shallow per run ${pinbot.map((r, i) => (r.ms / shallow[i].ms).toFixed(2)).join(', ')}`,
    )
    note(`N=${n}: pinbot CPU per repo (user+sys / N)`, `${(median(pinbot.map((r) => r.cpuMs!)) / n).toFixed(1)} ms`, `runs ${pinbot.map((r) => (r.cpuMs! / n).toFixed(1)).join(', ')} ms`)
    note(`N=${n}: pinbot floor ceil(N/C) x ${perRepoTrips.toFixed(1)} round trips x RTT`, sec(floor), `pinbot/floor ${x(m(pinbot), floor)}; ${(median(pinbot.map((r) => r.requests!)) / n).toFixed(1)} requests per repo`)
    if (baselineCli) {
      const perRun = pinbot.map((run, i) => run.ms / baseline[i].ms)
      note(
        `N=${n}: baseline cascade (${path.basename(baselineDir!)})`,
        sec(m(baseline)),
        `baseline/shallow per run ${baseline.map((run, i) => (run.ms / shallow[i].ms).toFixed(2)).join(', ')}; CPU per repo ${(median(baseline.map((run) => run.cpuMs!)) / n).toFixed(1)} ms`,
      )
      note(`N=${n}: pinbot / baseline, same run`, `${median(perRun).toFixed(2)}x`, `runs ${perRun.map((v) => v.toFixed(2)).join(', ')}`)
    }
    note(`N=${n}: pinbot peak RSS`, `${Math.max(...pinbot.map((r) => r.rssMb ?? 0)).toFixed(0)} MB`)
    if (seedRuns > 0) {
      note(`N=${n}: re-run, nothing to change: seed / shallow / pinbot`, `${sec(m(seedRerun))} / ${sec(m(shallowRerun))} / ${sec(m(pinbotRerun))}`, `seed/pinbot ${x(m(seedRerun), m(pinbotRerun))}, shallow/pinbot ${x(m(shallowRerun), m(pinbotRerun))}`)
    } else {
      note(`N=${n}: re-run, nothing to change: shallow / pinbot`, `${sec(m(shallowRerun))} / ${sec(m(pinbotRerun))}`, `shallow/pinbot ${x(m(shallowRerun), m(pinbotRerun))}`)
    }
  }

  // A fleet past one runner: one process against SHARDS shards run one after another and
  // merged (report merge), on fresh copies of the same fleet; and pinbot's own CPU per repo.
  if (wanted('fleet')) {
    const n = fleetSize
    interface Outcomes {
      results: Array<{ repo: string; outcome: string; reason: string | null }>
      counts: Record<string, number>
    }
    const outcomeOf = (report: Outcomes) => new Map(report.results.map((r) => [r.repo, `${r.outcome}${r.reason ? ` (${r.reason})` : ''}`]))
    let names = await fleet.reset(n)
    const file = await manifest(names, path.join(work, 'fleet.json'))
    const pinArgs = ['cascade', '--manifest', file, '--version', '3.0.0', '--concurrency', String(concurrency), '--json']
    forge.latencyMs = delayMs
    // A repo may fail (exit 1) on a loaded machine; the comparison below says where.
    const single = await timed('node', [cli, ...pinArgs], signingEnv, [0, 1])
    forge.latencyMs = 0
    names = await fleet.reset(n)
    const shards: Run[] = []
    const reports: string[] = []
    forge.latencyMs = delayMs
    for (let k = 1; k <= SHARDS; k++) {
      const run = await timed('node', [cli, ...pinArgs, '--shard', `${k}/${SHARDS}`], signingEnv, [0, 1])
      reports.push(path.join(work, `shard-${k}.json`))
      await writeFile(reports[k - 1], run.stdout)
      shards.push(run)
    }
    forge.latencyMs = 0
    const merged = await timed('node', [cli, 'report', 'merge', ...reports, '--json'], {}, [0, 1])
    const one = JSON.parse(single.stdout) as Outcomes
    const all = JSON.parse(merged.stdout) as Outcomes
    const [before, after] = [outcomeOf(one), outcomeOf(all)]
    const differ = [...new Set([...before.keys(), ...after.keys()])].filter((repo) => before.get(repo) !== after.get(repo))
    const same = differ.length === 0 && JSON.stringify(one.counts) === JSON.stringify(all.counts)
    const sameText = same ? 'yes' : `NO: ${differ.map((repo) => `${repo} ${before.get(repo)} vs ${after.get(repo)}`).join('; ')}`
    const shardMs = shards.reduce((sum, r) => sum + r.ms, 0)
    const pinned = one.counts.updated
    note(`N=${n}: pinbot cascade, one process`, sec(single.ms), `${one.counts.updated} updated, ${one.counts.failed} failed`)
    note(`N=${n}: ${SHARDS} shards one after another + report merge`, sec(shardMs + merged.ms), `same outcomes and counts: ${sameText}; shards ${shards.map((r) => sec(r.ms)).join(' + ')}`)
    note(`N=${n}: pinbot CPU per pinned repo (user+sys / repos), one process`, `${(single.cpuMs! / pinned).toFixed(1)} ms`, `${sec(single.cpuMs!)} CPU for ${pinned} repos`)
    note(`N=${n}: pinbot CPU per pinned repo, ${SHARDS} shards`, `${(shards.reduce((sum, r) => sum + r.cpuMs!, 0) / pinned).toFixed(1)} ms`, `report merge: ${merged.cpuMs!.toFixed(0)} ms CPU`)
    note(`N=${n}: pinbot peak RSS, one process / largest shard`, `${single.rssMb!.toFixed(0)} / ${Math.max(...shards.map((r) => r.rssMb!)).toFixed(0)} MB`)
  }

  // The same signed cascade with an OpenPGP and an SSH key, alternating, so that both see the same machine load.
  if (wanted('signing')) {
    const n = quick ? 9 : 200
    const openpgpRuns: number[] = []
    const sshRuns: number[] = []
    const sshKeyFile = path.join(work, 'bot_ed25519')
    await timed('node', [cli, 'key', 'generate', '--format', 'ssh', '--email', 'bench-bot@example.com', '--out', sshKeyFile])
    const sshSigningEnv = { ...env, PINBOT_SIGNING_KEY: await readFile(sshKeyFile, 'utf8') }
    // An SSH key names no one: the author comes from the flags.
    const sshAuthor = ['--author-name', 'Bench Bot', '--author-email', 'bench-bot@example.com']
    for (let r = 0; r < (quick ? 1 : 3); r++) {
      for (const [runs, keyEnv, author] of [[openpgpRuns, signingEnv, []], [sshRuns, sshSigningEnv, sshAuthor]] as const) {
        const names = await fleet.reset(n)
        forge.latencyMs = delayMs
        runs.push((await cascade(names, `3.${r}.0`, concurrency, keyEnv, [...author])).ms)
        forge.latencyMs = 0
      }
    }
    const runs = (ms: number[]) => `runs ${ms.map((m) => (m / 1000).toFixed(1)).join(', ')} s`
    note(`N=${n}: pinbot cascade signed with OpenPGP (ed25519)`, sec(median(openpgpRuns)), runs(openpgpRuns))
    note(`N=${n}: pinbot cascade signed with SSH (ed25519)`, sec(median(sshRuns)), `ssh/openpgp ${(median(sshRuns) / median(openpgpRuns)).toFixed(2)}x; ${runs(sshRuns)}`)
  }

  // verify-pins against a sequential clone + cat loop (once: it takes a minute at N=200).
  if (wanted('verify-pins')) {
    const n = quick ? 9 : 200
    const names = await fleet.reset(n)
    const file = await manifest(names, path.join(work, 'audit.json'))
    forge.latencyMs = delayMs
    const loop = await timed('bash', [path.join(root, 'bench/clone-cat-loop.sh'), await scratch(), ...authed(names)])
    // Drift (exit 1) is a normal audit answer. The loop it replaces is sequential: the audit
    // runs at its own default concurrency.
    const audits: number[] = []
    for (let r = 0; r < (quick ? 1 : 3); r++) audits.push((await timed('node', [cli, 'verify-pins', '--manifest', file, '--json'], env, [0, 1])).ms)
    forge.latencyMs = 0
    note(`N=${n}: clone + cat loop`, sec(loop.ms))
    note(`N=${n}: pinbot verify-pins (concurrency ${DEFAULT_AUDIT_CONCURRENCY}, its default)`, sec(median(audits)), `loop/verify-pins ${x(loop.ms, median(audits))}; runs ${audits.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s`)
  }

  // History independence: per-repo time, one repo at a time.
  if (wanted('rest')) {
    const n = quick ? 3 : 10
    const perRepo: Record<number, number> = {}
    for (const commits of [1, 5000]) {
      const names = await fleet.reset(n, commits)
      forge.latencyMs = delayMs
      perRepo[commits] = (await cascade(names, '2.0.0', 1)).ms / n
      forge.latencyMs = 0
    }
    note('pinbot per repo, 1-commit history', sec(perRepo[1]))
    note('pinbot per repo, 5,000-commit history', sec(perRepo[5000]), `5000/1 ${x(perRepo[5000], perRepo[1])}`)
  }

  // A template with one large file: peak memory of one pin, with and without partial fetch.
  if (wanted('rest')) {
    const mb = quick ? 30 : 150
    const big = randomBytes(mb << 20)
    for (const filter of [false, true]) {
      const name = `bench/large-${filter ? 'filter' : 'whole'}`
      await forge.createRepo(name, { files: { '.runtime-version': '0.1.0\n', 'assets/model.bin': big } })
      if (filter) await forge.git(name, ['config', 'uploadpack.allowFilter', 'true'])
      const run = await timed('node', [cli, 'pin', '2.0.0', '--remote', forge.repoUrl(name), '--json'], signingEnv)
      note(`pin --remote, a template with one ${mb} MB file, ${filter ? 'with filter (partial fetch)' : 'without filter'}: peak RSS`, `${run.rssMb!.toFixed(0)} MB`, sec(run.ms))
    }
  }

  // Bytes on the wire, counted by the forge: a deepening step of verify-pins --key on a
  // template with a large tip (it must bring the newly reached commits, not the tip again),
  // and the ref listing of a pin on a template with 20,000 tags (protocol v2 vs a v1-only server).
  if (wanted('bytes')) {
    const mb = quick ? 5 : 20
    const deep = 'bench/deep-large'
    // The pin file last changed 30 commits back: verify-pins --key deepens to depth 8, then 32.
    await forge.createRepo(deep, { files: { '.runtime-version': '0.1.0\n', 'assets/model.bin': randomBytes(mb << 20) } })
    for (let i = 0; i < 30; i++) await forge.commitDirect(deep, { [`docs/${i}.md`]: `${i}\n` })
    const deepManifest = path.join(work, 'deep.json')
    await writeFile(deepManifest, JSON.stringify({ forge: forge.url, repos: [deep] }))
    forge.clearLog()
    await timed('node', [cli, 'verify-pins', '--manifest', deepManifest, '--key', `${keyFile}.pub`, '--json'], env, [0, 1])
    // The v0 fetches: the tip, then each deepening step (ls-refs is the v2 POST).
    const [tip, ...steps] = forge.requestsFor(deep, 'git-upload-pack').filter((r) => r.method === 'POST' && r.protocol !== 'version=2')
    note(
      `verify-pins --key, a template with a ${mb} MB tip: bytes per deepening step`,
      kib(Math.max(...steps.map((r) => r.bytes))),
      `${steps.length} steps: ${steps.map((r) => kib(r.bytes)).join(', ')}; the tip's fetch ${kib(tip.bytes)}`,
    )

    const tags = Array.from({ length: 20_000 }, (_, i) => `refs/tags/v${String(i).padStart(5, '0')}`)
    const listing: Record<string, number> = {}
    for (const protocol of ['v2', 'v1']) {
      const name = `bench/tags-${protocol}`
      const { tip: head } = await forge.createRepo(name, { noProtocolV2: protocol === 'v1' })
      await writeFile(path.join(forge.repoPath(name), 'packed-refs'), `# pack-refs with: peeled fully-peeled sorted \n${tags.map((tag) => `${head} ${tag}\n`).join('')}`)
      forge.clearLog()
      await timed('node', [cli, 'pin', '2.0.0', '--remote', forge.repoUrl(name), '--json'], signingEnv)
      listing[protocol] = forge
        .requestsFor(name, 'git-upload-pack')
        .filter((r) => r.method === 'GET' || r.protocol === 'version=2')
        .reduce((sum, r) => sum + r.bytes, 0)
    }
    note('pin, a template with 20,000 tags: ref listing, protocol v2 / v1-only server', `${kib(listing.v2)} / ${kib(listing.v1)}`, `v1/v2 ${x(listing.v1, listing.v2)}`)
  }

  // The hook's cost on every commit.
  if (wanted('rest')) {
    const pin = path.join(work, '.runtime-version')
    await writeFile(pin, '1.2.3\n')
    const node: number[] = []
    const verify: number[] = []
    for (let i = 0; i < (quick ? 5 : 15); i++) {
      node.push((await timed('node', ['-e', ''])).ms)
      verify.push((await timed('node', [cli, 'verify', pin])).ms)
    }
    note('node -e ""', `${median(node).toFixed(0)} ms`)
    note('pinbot verify (cold)', `${median(verify).toFixed(0)} ms`, `verify/node ${x(median(verify), median(node))}`)
  }

  await forge.stop()
  await rm(work, { recursive: true, force: true })
  const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, node ${process.version}, ${await git(['--version'])}`
  const table = ['| measurement | median | ratio |', '| --- | ---: | --- |', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')
  const doc = `# pinbot benchmark results\n\nMachine: ${machine}.\nRun: ${new Date().toISOString().slice(0, 10)}, delay ${delayMs} ms per HTTP request, concurrency ${concurrency}${quick ? ', --quick' : ''}. Template repos: 300 commits, ${Object.keys(TEMPLATE_FILES).length} files. Medians of ${quick ? 1 : '3 runs (the seed loop and the clone loop run once at N=200)'}.\n\n${table}\n`
  const partial = quick || fleetOnly || only !== undefined || sizeList !== undefined || args.includes('--runs')
  if (!partial) await writeFile(path.join(root, 'bench', 'RESULTS.md'), doc)
  console.log(`\n${partial ? 'partial run: RESULTS.md not written' : 'written to bench/RESULTS.md'}`)
}

await main()
