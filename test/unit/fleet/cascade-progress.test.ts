import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { CascadeEvent } from '../../../src/fleet/cascade.js'
import { createBlockView, createLiveView } from '../../../src/fleet/cascade-progress.js'
import type { ManifestRepo } from '../../../src/fleet/manifest.js'
import type { PinResult } from '../../../src/pin/pin-result.js'

const repo = (name: string): ManifestRepo => ({ name, url: `https://forge.test/${name}.git` })
const start = (name: string, index: number): CascadeEvent => ({ type: 'start', repo: repo(name), index, total: 3 })
const done = (name: string, index: number, outcome: PinResult['outcome']): CascadeEvent => ({
  type: 'done',
  repo: repo(name),
  index,
  total: 3,
  result: { repo: name, branch: 'main', outcome, before: '1.0.0', after: '1.1.0', attempts: 1, durationMs: 500 },
  log: [`${name}: fetched`],
})

/** What a terminal would show after `output`: handles the cursor moves the view uses. */
function screen(output: string): string[] {
  const lines: string[] = ['']
  let row = 0
  for (const part of output.split(/(\x1b\[\d*[FJ])/)) {
    const move = /^\x1b\[(\d*)F$/.exec(part)
    if (move) row = Math.max(0, row - Number(move[1] || 1))
    else if (part === '\x1b[J') lines.splice(row, lines.length - row, '')
    else {
      for (const char of part) {
        if (char === '\n') {
          row++
          if (lines.length <= row) lines.push('')
        } else lines[row] += char
      }
    }
  }
  return lines.slice(0, -1)
}

describe('createLiveView', () => {
  let clock = 0
  let output = ''
  const view = () => createLiveView({ write: (text) => (output += text), total: 3, columns: 100, rows: 10, throttleMs: 100, tickMs: 1000, now: () => clock })

  beforeEach(() => {
    vi.useFakeTimers()
    clock = 0
    output = ''
  })
  afterEach(() => vi.useRealTimers())

  const advance = (ms: number) => {
    clock += ms
    vi.advanceTimersByTime(ms)
  }

  it('draws at once, then at most once per throttle window, and keeps finished repos above the region', () => {
    const live = view()
    live.onEvent(start('a/one', 0))
    expect(screen(output)).toEqual(['0/3 done, 1 in flight: 0 updated, 0 unchanged, 0 skipped, 0 failed', '  … a/one  0.0s'])

    const writes = () => output.split(' done, ').length - 1
    live.onEvent(start('a/two', 1))
    live.onEvent(done('a/one', 0, 'updated'))
    expect(writes()).toBe(1)
    advance(100)
    expect(writes()).toBe(2)
    expect(screen(output)).toEqual([
      '✓ a/one (main)  1.0.0 -> 1.1.0  updated  0.5s',
      '1/3 done, 1 in flight: 1 updated, 0 unchanged, 0 skipped, 0 failed',
      '  … a/two  0.1s',
    ])
    live.finish()
  })

  it('ticks while repos are in flight, so a stuck repo shows its real elapsed time', () => {
    const live = view()
    live.onEvent(start('a/slow', 0))
    advance(5000)
    expect(screen(output).at(-1)).toBe('  … a/slow  5.0s')
    live.finish()
  })

  it('finishes by flushing pending lines and removing the region, leaving only finished repos', () => {
    const live = view()
    live.onEvent(start('a/one', 0))
    live.onEvent(start('a/two', 1))
    live.onEvent(done('a/one', 0, 'unchanged'))
    live.onEvent(done('a/two', 1, 'failed'))
    live.finish()
    expect(screen(output)).toEqual(['= a/one (main)  1.0.0 -> 1.1.0  unchanged  0.5s', '✗ a/two (main)  1.0.0 -> 1.1.0  failed  0.5s'])
    const after = output
    advance(5000)
    expect(output).toBe(after)
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('createBlockView', () => {
  it('writes one whole block per finished repo, numbered by completion, and nothing on start', () => {
    const writes: string[] = []
    const blocks = createBlockView((text) => writes.push(text))
    blocks.onEvent(start('a/one', 0))
    blocks.onEvent(start('a/two', 1))
    expect(writes).toEqual([])
    blocks.onEvent(done('a/two', 1, 'updated'))
    blocks.onEvent(done('a/one', 0, 'failed'))
    blocks.finish()
    expect(writes).toHaveLength(2)
    expect(writes[0]).toBe('[1/3] a/two (main): updated\n  | a/two: fetched\n  version: 1.0.0 -> 1.1.0\n  1 attempt, 0.5s\n')
    expect(writes[1].startsWith('[2/3] a/one (main): failed\n')).toBe(true)
  })
})
