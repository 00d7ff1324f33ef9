/**
 * SSH keys made by ssh-keygen itself (never by the code under test), git's allowed_signers
 * files, and ssh-keygen's own verdict on a signature (`ssh-keygen -Y verify`).
 */
import { chmod, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { run, type RunResult } from './spawn.js'

export interface SshTestKey {
  /** The private key file (OpenSSH format). */
  file: string
  /** FILE.pub's line. */
  publicKey: string
  fingerprint: string
  passphrase?: string
}

async function sshKeygen(args: string[], input?: string): Promise<RunResult> {
  const result = await run('ssh-keygen', args, { input })
  if (result.code !== 0) throw new Error(`ssh-keygen ${args.join(' ')} failed (${result.code}): ${result.stderr}`)
  return result
}

export async function makeSshKey(dir: string, name: string, options: { type?: 'ed25519' | 'ecdsa' | 'rsa'; bits?: number; passphrase?: string; comment?: string } = {}): Promise<SshTestKey> {
  const file = path.join(dir, name)
  const type = options.type ?? 'ed25519'
  await sshKeygen(['-q', '-t', type, ...(options.bits ? ['-b', String(options.bits)] : []), '-N', options.passphrase ?? '', '-C', options.comment ?? 'pinbot@example.com', '-f', file])
  const publicKey = (await readFile(`${file}.pub`, 'utf8')).trim()
  const fingerprint = (await sshKeygen(['-l', '-E', 'sha256', '-f', `${file}.pub`])).stdout.split(' ')[1]
  return { file, publicKey, fingerprint, ...(options.passphrase ? { passphrase: options.passphrase } : {}) }
}

/** An allowed_signers line for key: `principal [options] type base64`. */
export function allowedSigner(key: SshTestKey, principal = 'pinbot@example.com', options = ''): string {
  return [principal, options, key.publicKey.split(' ').slice(0, 2).join(' ')].filter(Boolean).join(' ')
}

export async function writeAllowedSigners(file: string, lines: string[]): Promise<string> {
  await writeFile(file, `${lines.join('\n')}\n`)
  return file
}

/** ssh-keygen -Y verify of signature over payload, namespace git. */
export async function sshKeygenVerify(options: { dir: string; payload: Buffer | string; signature: string; allowedSigners: string; principal?: string }): Promise<RunResult> {
  const sigFile = path.join(options.dir, `sig-${Math.random().toString(36).slice(2)}`)
  await writeFile(sigFile, options.signature)
  return run('ssh-keygen', ['-Y', 'verify', '-f', options.allowedSigners, '-I', options.principal ?? 'pinbot@example.com', '-n', 'git', '-s', sigFile], { input: options.payload })
}

/** The env git needs to sign with key (gpg.format=ssh); a passphrase goes through SSH_ASKPASS. */
export async function gitSshSigningEnv(dir: string, key: SshTestKey): Promise<Record<string, string>> {
  const env: Record<string, string> = {
    GIT_CONFIG_COUNT: '3',
    GIT_CONFIG_KEY_0: 'gpg.format',
    GIT_CONFIG_VALUE_0: 'ssh',
    GIT_CONFIG_KEY_1: 'user.signingkey',
    GIT_CONFIG_VALUE_1: key.file,
    GIT_CONFIG_KEY_2: 'commit.gpgsign',
    GIT_CONFIG_VALUE_2: 'true',
  }
  if (!key.passphrase) return env
  const askpass = path.join(dir, `askpass-${path.basename(key.file)}`)
  await writeFile(askpass, `#!/bin/sh\nprintf '%s\\n' '${key.passphrase}'\n`)
  await chmod(askpass, 0o700)
  return { ...env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' }
}
