/**
 * Progress while a fleet command runs (cascade, verify-pins), fed repo by repo.
 *
 * On a terminal, a live view: each finished repo is printed once, as one line that
 * scrolls up (`persist`), and a short region at the bottom (progress, and each repo in
 * flight with its phase: reading, signing, pushing, retrying in N s) is redrawn in place
 * by log-update, which measures the terminal at every render. Region lines are clipped to
 * the width, so they never wrap; when the terminal is resized, the rows the old region
 * now covers (the terminal reflows it) are erased before the next render, so no stale
 * line is left behind. Redraws are throttled; a slow tick keeps elapsed times and retry
 * countdowns honest; timers never keep the process alive.
 *
 * Elsewhere (CI logs), one block per repo, written whole when it finishes (a `::group::`
 * in Actions), and a heartbeat line ("120/200 done, 32 in flight") when nothing has been
 * printed for a while, so a slow run never looks hung.
 */
import type { createLogUpdate } from 'log-update'
import type { CascadeEvent } from './cascade.js'
import { formatDuration, renderDoneLine, renderRepoBlock } from './cascade-report.js'
import { actionsGroup } from '../report/actions.js'
import { printableLine, printableText } from '../report/printable.js'

export interface ProgressView {
  start(name: string): void
  /** What the repo is doing now; `until` (ms, same clock as `now`) turns it into a countdown. */
  phase(name: string, label: string, until?: number): void
  /** The repo finished: `line` for a live view, `block` for a log; `outcome` is counted when the view counts outcomes. */
  done(name: string, finished: { outcome?: string; line?: string; block?: string }): void
  /** Stop the timers; a live view removes its region (what it printed stays). */
  finish(): void
}

/** The terminal the live view draws on (a tty.WriteStream, or a test double). */
export interface TerminalStream {
  write(text: string): unknown
  columns?: number
  rows?: number
  isTTY?: boolean
  on?(event: 'resize', listener: () => void): unknown
  off?(event: 'resize', listener: () => void): unknown
}

export interface LiveViewOptions {
  stream: TerminalStream
  /** log-update's factory: loaded only for a terminal (createProgressView), not in every CI run. */
  createLogUpdate: typeof createLogUpdate
  total: number
  /** Outcomes counted in the progress line, in this order (none: only done and in flight). */
  outcomes?: readonly string[]
  /** Applied to every byte written (secret redaction). */
  filter?: (text: string) => string
  throttleMs?: number
  tickMs?: number
  now?: () => number
}

interface InFlight {
  startedAt: number
  label: string
  until?: number
}

/** Display width of a line of our own text (no escapes; one column per code point). */
const width = (line: string) => [...line].length

function clip(line: string, columns: number): string {
  const chars = [...line]
  return chars.length <= columns ? line : `${chars.slice(0, Math.max(0, columns - 1)).join('')}…`
}

/** ANSI: erase `count` rows, from the cursor's row upwards, and return to column 1. */
function eraseRows(count: number): string {
  return `${'\x1b[2K\x1b[1A'.repeat(Math.max(0, count - 1))}\x1b[2K\x1b[G`
}

/** The region: progress first (a narrow terminal clips the tail), then the repos in flight, at most `rows` lines. */
export function renderRegion(state: { total: number; done: number; counts: Map<string, number>; inFlight: Map<string, InFlight> }, now: number, columns: number, rows: number): string[] {
  const counts = [...state.counts].map(([outcome, n]) => `${n} ${outcome}`).join(', ')
  const header = `${state.done}/${state.total} done, ${state.inFlight.size} in flight${counts ? `: ${counts}` : ''}`
  const flying = [...state.inFlight]
  const room = Math.max(1, rows - 1)
  const shown = flying.length > room ? flying.slice(0, room - 1) : flying
  const lines = [
    header,
    ...shown.map(([name, repo]) => {
      const phase = repo.until === undefined ? repo.label : `${repo.label} in ${Math.max(0, Math.ceil((repo.until - now) / 1000))} s`
      return `  … ${name}  ${phase}  ${formatDuration(now - repo.startedAt)}`
    }),
  ]
  if (shown.length < flying.length) lines.push(`  … and ${flying.length - shown.length} more`)
  return lines.map((line) => clip(line, Math.max(1, columns - 1)))
}

export function createLiveView(options: LiveViewOptions): ProgressView {
  const { stream, throttleMs = 100, tickMs = 1000, now = Date.now, filter = (text) => text } = options
  // log-update writes through this: every byte filtered, the terminal measured live.
  const out: TerminalStream = {
    write: (text) => stream.write(filter(text)),
    get columns() {
      return stream.columns
    },
    get rows() {
      return stream.rows
    },
    isTTY: stream.isTTY,
  }
  const render = options.createLogUpdate(out as NodeJS.WriteStream)
  const state = { total: options.total, done: 0, counts: new Map((options.outcomes ?? []).map((o) => [o, 0])), inFlight: new Map<string, InFlight>() }
  const finished: string[] = []
  let region: string[] = []
  let lastDraw = -Infinity
  let pending: NodeJS.Timeout | undefined

  const columns = () => stream.columns || 80
  const draw = () => {
    clearTimeout(pending)
    pending = undefined
    lastDraw = now()
    if (finished.length) render.persist(finished.splice(0).join('\n'))
    region = renderRegion(state, lastDraw, columns(), Math.max(2, Math.min(12, (stream.rows || 24) - 2)))
    render(region.join('\n'))
  }
  const schedule = () => {
    if (pending) return
    const wait = lastDraw + throttleMs - now()
    if (wait <= 0) draw()
    else pending = setTimeout(draw, wait).unref()
  }
  // After a resize the terminal has reflowed the region into more rows (or fewer):
  // erase exactly those, forget them, and draw again at the new width.
  const onResize = () => {
    const rows = region.reduce((sum, line) => sum + Math.max(1, Math.ceil(width(line) / columns())), 0)
    if (rows) out.write(eraseRows(rows + 1))
    render.done()
    region = []
    draw()
  }
  stream.on?.('resize', onResize)
  const tick = setInterval(schedule, tickMs).unref()

  return {
    start(name) {
      state.inFlight.set(name, { startedAt: now(), label: 'starting' })
      schedule()
    },
    phase(name, label, until) {
      const repo = state.inFlight.get(name)
      if (repo) Object.assign(repo, { label, until })
      schedule()
    },
    done(name, { outcome, line }) {
      state.inFlight.delete(name)
      state.done++
      if (outcome !== undefined && state.counts.has(outcome)) state.counts.set(outcome, state.counts.get(outcome)! + 1)
      if (line !== undefined) finished.push(line)
      schedule()
    },
    finish() {
      clearInterval(tick)
      clearTimeout(pending)
      stream.off?.('resize', onResize)
      if (finished.length) render.persist(finished.splice(0).join('\n'))
      render.clear()
      render.done()
    },
  }
}

export interface LogViewOptions {
  write: (text: string) => void
  total: number
  /** In Actions: each block is a collapsible group titled by its first line. */
  groups?: boolean
  /** Print a progress line when nothing was printed for this long (default 30 s). */
  heartbeatMs?: number
  now?: () => number
}

export function createLogView(options: LogViewOptions): ProgressView {
  const { write, total, heartbeatMs = 30_000, now = Date.now } = options
  let done = 0
  let inFlight = 0
  let lastOutput = now()
  const heartbeat = setInterval(
    () => {
      if (now() - lastOutput < heartbeatMs) return
      write(`${done}/${total} done, ${inFlight} in flight\n`)
      lastOutput = now()
    },
    Math.max(10, Math.floor(heartbeatMs / 4)),
  ).unref()
  return {
    start() {
      inFlight++
    },
    phase() {},
    done(_name, { block }) {
      inFlight--
      done++
      if (block === undefined) return
      lastOutput = now()
      if (!options.groups) return void write(`${block}\n`)
      const [title, ...details] = block.split('\n')
      write(actionsGroup(title, details.join('\n')))
    },
    finish() {
      clearInterval(heartbeat)
    },
  }
}

const PHASE_WORDS = { reading: 'reading', signing: 'signing', pushing: 'pushing', retrying: 'retrying' } as const

/** Feed a view with a cascade's events: phases, a done line (terminal) and block (log) per repo. */
export function cascadeProgress(view: ProgressView, now: () => number = Date.now): (event: CascadeEvent) => void {
  let finished = 0
  return (event) => {
    const name = event.repo.name
    if (event.type === 'start') view.start(name)
    else if (event.type === 'phase') view.phase(name, PHASE_WORDS[event.phase.phase], event.phase.phase === 'retrying' ? now() + event.phase.delayMs : undefined)
    else {
      const { result } = event
      // A branch or a log line from a server is data: escaped before any view draws it.
      const block = renderRepoBlock(result, { done: ++finished, total: event.total, log: event.log })
      view.done(name, { outcome: result.outcome, line: printableLine(renderDoneLine(result)), block: printableText(block) })
    }
  }
}

/** The view for `stream`: live on a terminal, a log (grouped in Actions) elsewhere. */
export async function createProgressView(stream: TerminalStream, options: { total: number; outcomes?: readonly string[]; groups: boolean; filter: (text: string) => string }): Promise<ProgressView> {
  if (!stream.isTTY) return createLogView({ write: (text) => stream.write(options.filter(text)), total: options.total, groups: options.groups })
  const { createLogUpdate } = await import('log-update')
  return createLiveView({ stream, createLogUpdate, total: options.total, outcomes: options.outcomes, filter: options.filter })
}
