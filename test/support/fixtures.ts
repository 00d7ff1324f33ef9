/**
 * What several integration test files set up the same way, once per file: started before
 * the file's tests, stopped after them, and the forge's faults and request log cleared
 * before each test. The hooks run after the test module is evaluated, so the started
 * fixture is handed to `ready`, which keeps it in the file's own variables.
 */
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { Forge } from './forge.js'
import { createGnupgHome, type GnupgHome } from './gpg.js'
import { makeTestKey, type TestKey } from './keys.js'
import { tempDir, type TempDir } from './tmp.js'

export interface ForgeFixture {
  forge: Forge
  /** A scratch directory (clones, manifests), removed afterwards. */
  work: TempDir
}

/** Plus a bot key, and a GnuPG home that trusts it, to judge pushed commits with `git verify-commit`. */
export interface SigningForgeFixture extends ForgeFixture {
  key: TestKey
  gnupg: GnupgHome
}

function useFixture<T extends ForgeFixture>(start: () => Promise<T>, stop: (fixture: T) => Promise<unknown>, ready: (fixture: T) => void): void {
  let fixture: T | undefined
  beforeAll(async () => {
    fixture = await start()
    ready(fixture)
  })
  afterAll(async () => {
    if (fixture) await stop(fixture)
  })
  beforeEach(() => {
    fixture?.forge.clearFaults()
    fixture?.forge.clearLog()
  })
}

export function useForge(ready: (fixture: ForgeFixture) => void): void {
  useFixture(
    async () => {
      const [forge, work] = await Promise.all([Forge.start(), tempDir()])
      return { forge, work }
    },
    ({ forge, work }) => Promise.all([forge.stop(), work.cleanup()]),
    ready,
  )
}

export function useSigningForge(ready: (fixture: SigningForgeFixture) => void): void {
  useFixture(
    async () => {
      const [forge, key, gnupg, work] = await Promise.all([Forge.start(), makeTestKey('ed25519'), createGnupgHome(), tempDir()])
      await gnupg.importKey(key.publicKeyArmored)
      return { forge, key, gnupg, work }
    },
    ({ forge, gnupg, work }) => Promise.all([forge.stop(), gnupg.cleanup(), work.cleanup()]),
    ready,
  )
}
