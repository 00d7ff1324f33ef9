import { createLogUpdate } from 'log-update'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { CascadeEvent } from '../../../src/fleet/cascade.js'
import { cascadeProgress, createLiveView, createLogView, renderRegion } from '../../../src/fleet/cascade-progress.js'
import type { ManifestRepo } from '../../../src/fleet/manifest.js'
import { PIN_OUTCOMES, type PinResult } from '../../../src/pin/pin-result.js'
import { TestTerminal } from '../../support/terminal.js'

const repo = (name: string): ManifestRepo => ({ name, url: `https://forge.test/${name}.git` })
const start = (name: string, index: number): CascadeEvent => ({ type: 'start', repo: repo(name), index, total: 3 })
const phase = (name: string, p: 'reading' | 'signing' | 'pushing'): CascadeEvent => ({ type: 'phase', repo: repo(name), index: 0, phase: { phase: p } })
const done = (name: string, index: number, outcome: PinResult['outcome']): CascadeEvent => ({
  type: 'done',
  repo: repo(name),
  index,
  total: 3,
  result: { repo: name, branch: 'main', outcome, before: '1.0.0', after: '1.1.0', attempts: 1, durationMs: 500 },
  log: [`${name}: fetched`],
})

let clock = 0
beforeEach(() => {
  vi.useFakeTimers()
  clock = 0
})
afterEach(() => vi.useRealTimers())
const advance = (ms: number) => {
  clock += ms
  vi.advanceTimersByTime(ms)
}

describe('the live view (terminal)', () => {
  const live = (terminal: TestTerminal) => {
    const view = createLiveView({ stream: terminal, createLogUpdate, total: 3, outcomes: PIN_OUTCOMES, throttleMs: 100, tickMs: 1000, now: () => clock })
    return { view, feed: cascadeProgress(view, () => clock) }
  }

  it('shows each repo in flight with its phase, and each finished repo once, above the region', () => {
    const terminal = new TestTerminal(100, 20)
    const { view, feed } = live(terminal)
    feed(start('a/one', 0))
    expect(terminal.screen()).toEqual(['0/3 done, 1 in flight: 0 updated, 0 unchanged, 0 skipped, 0 failed', '  … a/one  starting  0.0s'])
    feed(phase('a/one', 'pushing'))
    feed(start('a/two', 1))
    advance(100)
    expect(terminal.screen()).toEqual(['0/3 done, 2 in flight: 0 updated, 0 unchanged, 0 skipped, 0 failed', '  … a/one  pushing  0.1s', '  … a/two  starting  0.1s'])
    feed(done('a/one', 0, 'updated'))
    advance(100)
    expect(terminal.screen()).toEqual(['✓ a/one (main)  1.0.0 -> 1.1.0  updated  0.5s', '1/3 done, 1 in flight: 1 updated, 0 unchanged, 0 skipped, 0 failed', '  … a/two  starting  0.2s'])
    view.finish()
    expect(terminal.screen()).toEqual(['✓ a/one (main)  1.0.0 -> 1.1.0  updated  0.5s'])
  })

  it('counts a retry down, and ticks so a stuck repo shows its real elapsed time', () => {
    const terminal = new TestTerminal(100, 20)
    const { view, feed } = live(terminal)
    feed(start('a/slow', 0))
    feed({ type: 'phase', repo: repo('a/slow'), index: 0, phase: { phase: 'retrying', delayMs: 3000 } })
    advance(1000)
    expect(terminal.screen().at(-1)).toBe('  … a/slow  retrying in 2 s  1.0s')
    advance(4000)
    expect(terminal.screen().at(-1)).toBe('  … a/slow  retrying in 0 s  5.0s')
    view.finish()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('fits the terminal at every render: never more lines than rows, never a line that would wrap, also after a resize', () => {
    const terminal = new TestTerminal(120, 6)
    const { view, feed } = live(terminal)
    for (const [i, name] of ['a/one', 'a/two', 'a/three', 'a/four', 'a/five'].entries()) feed(start(`${name}-with-a-long-name`, i))
    advance(100)
    expect(terminal.screen()).toHaveLength(4)
    expect(terminal.screen().at(-1)).toBe('  … and 3 more')
    const written: string[] = []
    const write = terminal.write.bind(terminal)
    terminal.write = (text) => (written.push(text), write(text))
    // The terminal reflows the old region into 30 columns: every row it now covers (and the cursor's) is erased, then it is redrawn.
    const reflowed = terminal.screen().reduce((rows, line) => rows + Math.ceil([...line].length / 30), 0)
    expect(reflowed).toBeGreaterThan(4)
    terminal.resize(30)
    expect(written[0]).toBe(`${'\x1b[2K\x1b[1A'.repeat(reflowed)}\x1b[2K\x1b[G`)
    for (const line of terminal.screen()) expect([...line].length).toBeLessThan(30)
    view.finish()
  })

  it('renders the region with the most important first', () => {
    const inFlight = new Map([['acme/one', { startedAt: 0, label: 'reading' }]])
    expect(renderRegion({ total: 9, done: 2, counts: new Map(), inFlight }, 1500, 200, 10)).toEqual(['2/9 done, 1 in flight', '  … acme/one  reading  1.5s'])
    expect(renderRegion({ total: 9, done: 2, counts: new Map(), inFlight }, 1500, 12, 10)).toEqual(['2/9 done, …', '  … acme/o…'])
  })
})

describe('the log view (CI)', () => {
  it('writes one whole block per finished repo (a group in Actions), numbered by completion, and nothing on start', () => {
    const writes: string[] = []
    const view = createLogView({ write: (text) => writes.push(text), total: 3, groups: true, now: () => clock })
    const feed = cascadeProgress(view)
    feed(start('a/one', 0))
    feed(start('a/two', 1))
    expect(writes).toEqual([])
    feed(done('a/two', 1, 'updated'))
    feed(done('a/one', 0, 'failed'))
    view.finish()
    expect(writes).toHaveLength(2)
    expect(writes[0]).toBe('::group::[1/3] a/two (main): updated\n  | a/two: fetched\n  version: 1.0.0 -> 1.1.0\n  1 attempt, 0.5s\n::endgroup::\n')
    expect(writes[1].startsWith('::group::[2/3] a/one (main): failed\n')).toBe(true)
  })

  it('prints a heartbeat when nothing was printed for a while, and none while blocks keep coming', () => {
    const writes: string[] = []
    const view = createLogView({ write: (text) => writes.push(text), total: 200, heartbeatMs: 30_000, now: () => clock })
    for (let i = 0; i < 32; i++) view.start(`r/${i}`)
    advance(20_000)
    view.done('r/0', { block: 'r/0: updated' })
    advance(20_000)
    expect(writes).toEqual(['r/0: updated\n'])
    advance(15_000)
    expect(writes).toEqual(['r/0: updated\n', '1/200 done, 31 in flight\n'])
    view.finish()
    expect(vi.getTimerCount()).toBe(0)
  })
})
