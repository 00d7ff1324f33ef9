/**
 * The bot's signing key, whichever format it is in: an OpenPGP key (keys.ts, openpgp.js) or
 * an OpenSSH key (ssh-keys.ts, sshpk), told apart by its text. Loaded, unlocked and checked
 * once per process (unlocking is deliberately slow); only the library of its format is
 * loaded. Every problem is a UsageError (exit 2), raised before any repository is touched.
 */
import { createHash } from 'node:crypto'
import { UsageError } from '../errors.js'
import type { BotIdentity } from './commit-message.js'
import { keyFormatOf, readKeySource, registerKeyText, signingPassphrase, type KeyFormat, type KeySource } from './key-source.js'
import type { Signer } from './signing.js'

export interface SigningKey {
  format: KeyFormat
  /** OpenPGP: the 40-hex primary fingerprint. SSH: `SHA256:...`. */
  fingerprint: string
  /** Who the key says it is: OpenPGP user IDs; an SSH key's comment when it is an email (name unknown). */
  userIds: BotIdentity[]
  primaryUser?: Partial<BotIdentity>
  sign: Signer
  /** Things the operator should fix but that do not stop signing (a world-readable key file). */
  warnings: string[]
}

type LoadedKey = Omit<SigningKey, 'warnings'>

const EMAIL = /^[^\s<>@]+@[^\s<>@]+$/

async function unlock(source: KeySource, passphrase: string | undefined): Promise<LoadedKey> {
  const format = keyFormatOf(source)
  registerKeyText(source)
  if (format === 'openpgp') {
    const [{ unlockOpenPgpKey }, { createOpenPgpSigner }] = await Promise.all([import('./keys.js'), import('./openpgp-signature.js')])
    const key = await unlockOpenPgpKey(source, passphrase)
    return { format, fingerprint: key.fingerprint, userIds: key.userIds, primaryUser: key.primaryUser, sign: await createOpenPgpSigner(key.privateKey) }
  }
  const [{ unlockSshKey }, { signSsh }] = await Promise.all([import('./ssh-keys.js'), import('./ssh-signature.js')])
  const key = unlockSshKey(source, passphrase)
  const email = key.comment && EMAIL.test(key.comment) ? key.comment : undefined
  return {
    format,
    fingerprint: key.fingerprint,
    userIds: [],
    ...(email ? { primaryUser: { email } } : {}),
    sign: async (payload) => signSsh(key, payload),
  }
}

const loaded = new Map<string, Promise<LoadedKey>>()

export async function loadSigningKey(options: { file?: string; env?: NodeJS.ProcessEnv } = {}): Promise<SigningKey> {
  const env = options.env ?? process.env
  const passphrase = signingPassphrase(env)
  const source = await readKeySource({ ...options, env, what: 'signing key' })
  if (!source) {
    throw new UsageError('signing-key-missing', 'no signing key: pass --signing-key FILE or set PINBOT_SIGNING_KEY', {
      hint: 'Create one with `pinbot key generate` (OpenPGP) or `pinbot key generate --format ssh`, or pass --no-sign to commit unsigned on purpose.',
    })
  }
  const cacheKey = createHash('sha256').update(source.text).update('\0').update(passphrase ?? '').digest('hex')
  let pending = loaded.get(cacheKey)
  if (!pending) {
    pending = unlock(source, passphrase)
    loaded.set(cacheKey, pending)
    pending.catch(() => loaded.delete(cacheKey))
  }
  return { ...(await pending), warnings: [...source.warnings] }
}
