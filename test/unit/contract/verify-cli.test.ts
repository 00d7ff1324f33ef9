import { describe, expect, it } from 'vitest'
import { parseVerifyArgv } from '../../../src/contract/verify-cli.js'

describe('verify fast path argv', () => {
  it('takes the documented flags and one FILE, in any order', () => {
    expect(parseVerifyArgv([])).toEqual({})
    expect(parseVerifyArgv(['--staged', 'x/.runtime-version', '--allow-missing', '--json'])).toEqual({
      file: 'x/.runtime-version',
      staged: true,
      allowMissing: true,
      json: true,
    })
    expect(parseVerifyArgv(['--print'])).toEqual({ print: true })
  })

  it.each([[['--help']], [['-h']], [['--bogus']], [['a', 'b']], [['--']], [['--staged', '--staged']], [['--print', '--json']], [['--json=true']], [['']], [['-']]])(
    'leaves %j to oclif',
    (argv) => {
      expect(parseVerifyArgv(argv)).toBeUndefined()
    },
  )
})
