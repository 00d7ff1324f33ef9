/**
 * The live view in a real terminal (tmux), cheaply: 4 repos behind a forge with 400 ms
 * per request, narrowed from 160 to 50 columns mid-run. `npm run check:tmux-view` runs
 * the full check (12 repos, 2 s latency) and prints the panes.
 */
import { describe, expect, it } from 'vitest'
import { checkTmuxView } from '../../../scripts/tmux-view.js'

describe('the cascade live view in tmux', () => {
  it('shows phases while repos are in flight, leaves no stale line after a resize, and shows each repo once', async () => {
    const result = await checkTmuxView({ repos: 4, latencyMs: 400 })
    expect(result.problems, `pane during:\n${result.during}\npane at the end:\n${result.final}`).toEqual([])
  }, 120_000)
})
