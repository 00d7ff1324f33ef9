/**
 * Progress while a cascade runs, fed by its events. On a terminal, a live view: finished
 * repos scroll up as one line each, and a short region at the bottom (progress, repos in
 * flight) is rewritten in place; redraws are throttled, and a slow tick keeps the elapsed
 * time of a stuck repo honest (timers never keep the process alive). Elsewhere (CI logs),
 * one block per repo, written whole when it finishes, so parallel repos never interleave.
 */
import { actionsGroup } from '../report/actions.js'
import { countOutcomes, type CascadeEvent } from './cascade.js'
import { redrawRegion, renderDoneLine, renderLiveRegion, renderRepoBlock, type LiveState } from './cascade-report.js'

export interface CascadeProgress {
  onEvent(event: CascadeEvent): void
  /** Write what is pending; a live view also removes its region. */
  finish(): void
}

export interface LiveViewOptions {
  write: (text: string) => void
  total: number
  columns: number
  rows: number
  throttleMs?: number
  tickMs?: number
  now?: () => number
}

export function createLiveView(options: LiveViewOptions): CascadeProgress {
  const { write, columns, rows, throttleMs = 100, tickMs = 1000, now = Date.now } = options
  const counts = countOutcomes([])
  const state: LiveState = { total: options.total, counts, inFlight: [] }
  const finished: string[] = []
  let regionLines = 0
  let lastDraw = -Infinity
  let pending: NodeJS.Timeout | undefined

  const draw = () => {
    pending = undefined
    lastDraw = now()
    const region = renderLiveRegion(state, lastDraw, columns, rows)
    write(redrawRegion(regionLines, finished.splice(0), region))
    regionLines = region.length
  }
  const schedule = () => {
    if (pending) return
    const wait = lastDraw + throttleMs - now()
    if (wait <= 0) draw()
    else pending = setTimeout(draw, wait).unref()
  }
  const tick = setInterval(schedule, tickMs).unref()

  return {
    onEvent(event) {
      if (event.type === 'start') {
        state.inFlight.push({ name: event.repo.name, startedAt: now() })
      } else {
        state.inFlight = state.inFlight.filter((repo) => repo.name !== event.repo.name)
        counts[event.result.outcome]++
        finished.push(renderDoneLine(event.result))
      }
      schedule()
    },
    finish() {
      clearInterval(tick)
      clearTimeout(pending)
      write(redrawRegion(regionLines, finished.splice(0), []))
      regionLines = 0
    },
  }
}

/** One block per finished repo; in Actions (`groups`), each block is a collapsible group titled by its outcome line. */
export function createBlockView(write: (text: string) => void, options: { groups?: boolean } = {}): CascadeProgress {
  let done = 0
  return {
    onEvent(event) {
      if (event.type !== 'done') return
      const block = renderRepoBlock(event.result, { done: ++done, total: event.total, log: event.log })
      if (!options.groups) return write(`${block}\n`)
      const [title, ...details] = block.split('\n')
      write(actionsGroup(title, details.join('\n')))
    },
    finish() {},
  }
}
