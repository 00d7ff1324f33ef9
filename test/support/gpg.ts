/**
 * GnuPG in a throwaway GNUPGHOME: the independent judge of our signatures. Each home has
 * its own agent, stopped by `cleanup`.
 */
import { run } from './spawn.js'
import { tempDir } from './tmp.js'

export interface GnupgHome {
  dir: string
  env: Record<string, string>
  gpg(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }>
  /** Import an armored key; throws when GnuPG refuses it. */
  importKey(armored: string): Promise<void>
  cleanup(): Promise<void>
}

export async function createGnupgHome(): Promise<GnupgHome> {
  // Short prefix: the agent's socket path must stay under the 108-byte limit.
  const { dir, cleanup } = await tempDir('pgh-')
  const env = { GNUPGHOME: dir }
  const gpg: GnupgHome['gpg'] = (args, input) => run('gpg', ['--batch', '--no-tty', ...args], { env: { ...process.env, ...env }, input })
  return {
    dir,
    env,
    gpg,
    async importKey(armored) {
      const result = await gpg(['--import'], armored)
      if (result.code !== 0) throw new Error(`gpg --import failed: ${result.stderr}`)
    },
    async cleanup() {
      await run('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, ...env } })
      await cleanup()
    },
  }
}
