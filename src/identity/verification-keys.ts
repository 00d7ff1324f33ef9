/**
 * The keys a verification trusts, read from `--key` files of either format: OpenPGP public
 * keys (armored or binary; openpgp.js is loaded only for them), SSH public keys (`.pub`
 * lines) and git's allowed_signers files. A private key file of either format stands for
 * its public key. A file that is none of these is a UsageError (exit 2).
 */
import { readFile } from 'node:fs/promises'
import { UsageError } from '../errors.js'
import { looksLikeSshKeyLines, parseSshTrust } from './allowed-signers.js'
import type { VerificationKeys } from './signing.js'
import { sshFingerprint } from './ssh-wire.js'

const OPENSSH_PRIVATE = '-----BEGIN OPENSSH PRIVATE KEY-----'

export async function readVerificationKeys(files: string[]): Promise<VerificationKeys> {
  const keys: VerificationKeys = { openpgp: [], ssh: [] }
  for (const file of files) {
    let bytes: Buffer
    try {
      bytes = await readFile(file)
    } catch {
      throw new UsageError('key-file-unreadable', `public key file ${file} cannot be read`, { hint: 'Check the path and its permissions.' })
    }
    const text = bytes.toString('utf8')
    if (text.includes(OPENSSH_PRIVATE)) {
      const { publicBlobOfPrivateKey } = await import('./ssh-keys.js')
      const publicBlob = publicBlobOfPrivateKey({ label: file, text, warnings: [] })
      keys.ssh.push({ origin: file, publicBlob, fingerprint: sshFingerprint(publicBlob), certAuthority: false })
    } else if (!text.includes('-----BEGIN PGP') && looksLikeSshKeyLines(text)) {
      try {
        keys.ssh.push(...parseSshTrust(text, file))
      } catch (error) {
        throw new UsageError('key-invalid', `${(error as Error).message}`, {
          hint: 'Expected SSH public key lines ("ssh-ed25519 AAAA... comment") or git allowed_signers lines ("principal [options] ssh-ed25519 AAAA...").',
        })
      }
    } else if (!text.includes('-----BEGIN PGP') && !(bytes[0]! & 0x80)) {
      // Binary OpenPGP starts with a packet tag, whose top bit is always set.
      throw new UsageError('key-invalid', `${file} holds neither an OpenPGP key nor SSH public keys or allowed_signers lines`, {
        hint: 'Pass the .pub file written by `pinbot key generate` (either format), `gpg --export --armor KEYID`, or a git allowed_signers file.',
      })
    } else {
      const { readOpenPgpPublicKeys } = await import('./keys.js')
      keys.openpgp.push(...(await readOpenPgpPublicKeys(bytes, file)))
    }
  }
  return keys
}
