import { describe, expect, it } from 'vitest'
import { defaultBackoff } from '../../../src/pin/remote-pin.js'

describe('defaultBackoff', () => {
  it('grows from ~200 ms, is jittered to 50-150 %, and is capped', () => {
    const delays = (attempt: number) => Array.from({ length: 200 }, () => defaultBackoff(attempt))
    expect(Math.min(...delays(2))).toBeGreaterThanOrEqual(100)
    expect(Math.max(...delays(2))).toBeLessThanOrEqual(300)
    expect(Math.min(...delays(4))).toBeGreaterThanOrEqual(400)
    expect(Math.max(...delays(30))).toBeLessThanOrEqual(7500)
    expect(new Set(delays(3)).size).toBeGreaterThan(1)
  })
})
