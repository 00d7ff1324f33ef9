import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { CHECK_BLOCK, HOOK_SCRIPT, isPinbotHook, withCheckBlock, withoutCheckBlock } from '../../../src/hooks/pre-commit-hook.js'

describe('pre-commit hook text', () => {
  it('is POSIX sh that parses, LF only', () => {
    for (const text of [HOOK_SCRIPT, `set -e\n${CHECK_BLOCK}`]) {
      expect(spawnSync('sh', ['-n'], { input: text }).status).toBe(0)
      expect(text).not.toContain('\r')
    }
    expect(isPinbotHook(HOOK_SCRIPT)).toBe(true)
    expect(isPinbotHook(`#!/bin/sh\nnpm test\n${CHECK_BLOCK}`)).toBe(false)
  })

  it.each(['', 'npm test\n', 'npm test\n\n# more\n'])('adds the block to %j once, and removes exactly it', (text) => {
    const added = withCheckBlock(text)
    expect(added).toBe(text + CHECK_BLOCK)
    expect(withCheckBlock(added)).toBe(added)
    expect(withoutCheckBlock(added)).toBe(text)
    expect(withoutCheckBlock(text)).toBeUndefined()
  })

  it('replaces an outdated block in place', () => {
    const outdated = withCheckBlock('a\n').replace('PINBOT_SKIP_HOOK', 'OLD_SKIP') + 'b\n'
    expect(withCheckBlock(outdated)).toBe(`a\n${CHECK_BLOCK}b\n`)
  })

  it('starts the block on its own line when the file does not end with one', () => {
    expect(withCheckBlock('npm test')).toBe(`npm test\n${CHECK_BLOCK}`)
  })
})
