/**
 * Where a key's text comes from (`--signing-key FILE` or PINBOT_SIGNING_KEY), which format
 * it is in (OpenPGP or OpenSSH), and the passphrase that unlocks it. No key library is
 * loaded here: the format decides which one is.
 */
import { readFile, stat } from 'node:fs/promises'
import { UsageError } from '../errors.js'
import { registerSecret } from '../redact.js'
import { PASSPHRASE_ENV, SIGNING_KEY_ENV } from './key-env.js'

/** Where a key came from, for messages: `--signing-key FILE` or the env var name. */
export interface KeySource {
  label: string
  text: string
  warnings: string[]
}

export type KeyFormat = 'openpgp' | 'ssh'

/** CI secrets sometimes arrive with their newlines escaped as the two characters `\n`. */
export function normalizeArmor(text: string): string {
  const trimmed = text.trim()
  const escaped = !trimmed.includes('\n') && trimmed.includes('\\n')
  return (escaped ? trimmed.replace(/\\r\\n|\\n/g, '\n') : trimmed).replace(/\r\n/g, '\n') + '\n'
}

async function readKeyFile(file: string, what: string): Promise<KeySource> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read'
    throw new UsageError('key-file-unreadable', `${what} file ${file} ${reason}`, { hint: 'Check the path and its permissions.' })
  }
  const warnings: string[] = []
  const { mode } = await stat(file)
  if (/-----BEGIN [A-Z ]*PRIVATE KEY/.test(text) && (mode & 0o044) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0')
    warnings.push(`key file ${file} is readable by group or others (mode ${octal}); run: chmod 600 ${file}`)
  }
  return { label: file, text, warnings }
}

/** The key text from --signing-key FILE, else the env var; undefined when neither is set. */
export async function readKeySource(options: { file?: string; env?: NodeJS.ProcessEnv; what?: string }): Promise<KeySource | undefined> {
  const env = options.env ?? process.env
  if (options.file) return readKeyFile(options.file, options.what ?? 'key')
  const fromEnv = env[SIGNING_KEY_ENV]
  if (fromEnv?.trim()) return { label: SIGNING_KEY_ENV, text: fromEnv, warnings: [] }
  return undefined
}

const OPENPGP_BLOCK = /-----BEGIN PGP (PRIVATE|PUBLIC) KEY BLOCK-----/g
const OPENSSH_PRIVATE = /-----BEGIN OPENSSH PRIVATE KEY-----/g
const SSH_PUBLIC_LINE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-[a-z0-9-]+@openssh\.com)\s+AAAA/m
const SSH_PUBLIC_LINES = new RegExp(SSH_PUBLIC_LINE.source, 'gm')
const PEM_PRIVATE = /-----BEGIN (RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY-----/

/**
 * Which format a key's text is in, refusing what pinbot cannot use unambiguously: several
 * keys in one file (which one would sign?), and PEM private keys (ssh-keygen -m PEM).
 */
export function keyFormatOf(source: KeySource): KeyFormat {
  const text = normalizeArmor(source.text)
  const openpgpBlocks = text.match(OPENPGP_BLOCK)?.length ?? 0
  const privateSshBlocks = text.match(OPENSSH_PRIVATE)?.length ?? 0
  const sshBlocks = privateSshBlocks + (privateSshBlocks === 0 ? (text.match(SSH_PUBLIC_LINES)?.length ?? 0) : 0)
  if (openpgpBlocks + sshBlocks > 1) {
    throw new UsageError('key-multiple', `${source.label} holds more than one key (${openpgpBlocks} OpenPGP, ${sshBlocks} SSH); pinbot will not guess which one to use`, {
      hint: 'Keep exactly one key in the file or variable.',
    })
  }
  if (openpgpBlocks === 1) return 'openpgp'
  if (sshBlocks === 1) return 'ssh'
  if (PEM_PRIVATE.test(text)) {
    throw new UsageError('key-invalid', `${source.label} holds a PEM private key; pinbot reads SSH keys in the OpenSSH format`, {
      hint: 'Convert a copy with `ssh-keygen -p -f COPY` (it rewrites the key in the OpenSSH format), or generate one with `pinbot key generate --format ssh`.',
    })
  }
  throw new UsageError('key-invalid', `${source.label} holds neither an OpenPGP key nor an OpenSSH key`, {
    hint: 'Expected "-----BEGIN PGP PRIVATE KEY BLOCK-----" or "-----BEGIN OPENSSH PRIVATE KEY-----" (or a public key), e.g. from `pinbot key generate`.',
  })
}

/** The key text, registered for redaction unless it is plainly a public key. */
export function registerKeyText(source: KeySource): void {
  if (/PUBLIC KEY BLOCK/.test(source.text) || SSH_PUBLIC_LINE.test(source.text.trim())) return
  registerSecret(source.text.trim())
  registerSecret(normalizeArmor(source.text).trim())
}

/**
 * Whether a passphrase can be masked in output without masking pinbot's own words. A short
 * one, or one made of letters and spaces only (a word, a phrase), can equal words pinbot
 * writes: masking it there mangles the message and, worse, shows which word the passphrase
 * is ("Error: *** passphrase for signing key" tells it is "wrong"). pinbot never writes a
 * passphrase into any message, so leaving such a one unmasked hides nothing less.
 */
export function isMaskablePassphrase(passphrase: string): boolean {
  return passphrase.length >= 8 && !/^[\p{L}\s]+$/u.test(passphrase) && !/^\d+$/.test(passphrase)
}

export function registerPassphrase(passphrase: string | undefined): void {
  if (passphrase && isMaskablePassphrase(passphrase)) registerSecret(passphrase)
}

/** The signing key's passphrase from the environment (empty: none), registered for redaction when that is safe. */
export function signingPassphrase(env: NodeJS.ProcessEnv): string | undefined {
  const passphrase = env[PASSPHRASE_ENV] || undefined
  registerPassphrase(passphrase)
  return passphrase
}
