import * as Args from '@oclif/core/args'
import { readFile } from 'node:fs/promises'
import { UsageError } from '../../src/errors.js'
import { SIGNING_KEY_ENV } from '../../src/identity/key-env.js'
import { keyFormatOf, readKeySource, registerKeyText } from '../../src/identity/key-source.js'
import { BaseCommand } from '../_base.js'

export default class KeyShow extends BaseCommand {
  static override summary = 'Show an OpenPGP or SSH key: fingerprint, algorithm, user IDs or comment, status'
  static override description = `Reads FILE (a private or public key: armored OpenPGP, OpenSSH private key, or an SSH .pub line), or the key in ${SIGNING_KEY_ENV} when FILE is omitted. Never prints private material, and needs no passphrase.
An SSH key is described as \`ssh-keygen -l\` does: bits, SHA256: fingerprint, comment, type (a protected private key's comment is read from FILE.pub beside it).`
  static override examples = [
    '<%= config.bin %> key show pinbot-signing-key.asc.pub',
    '<%= config.bin %> key show pinbot_ed25519',
    `${SIGNING_KEY_ENV}="$(cat pinbot.asc)" <%= config.bin %> key show --json`,
  ]
  static override enableJsonFlag = true
  static override args = {
    file: Args.string({ description: `key file (default: the key in ${SIGNING_KEY_ENV})` }),
  }

  async run() {
    const { args } = await this.parse(KeyShow)
    const source = await readKeySource({ file: args.file })
    if (!source) {
      throw new UsageError('key-missing', `no key to show: pass FILE or set ${SIGNING_KEY_ENV}`, { hint: 'Example: pinbot key show pinbot-signing-key.asc.pub' })
    }
    for (const warning of source.warnings) this.warnUser(warning)
    registerKeyText(source)
    if (keyFormatOf(source) === 'ssh') {
      const { describeSshKey } = await import('../../src/identity/ssh-keys.js')
      const companion = args.file ? await readFile(`${args.file}.pub`, 'utf8').catch(() => undefined) : undefined
      const key = describeSshKey(source, companion)
      if (!this.jsonEnabled()) {
        this.out(`${key.bits} ${key.fingerprint} ${key.comment ?? 'no comment'} (${key.algorithm})`)
        this.out(`kind:        ${key.private ? `SSH private key, ${key.passphraseProtected ? 'passphrase-protected' : 'no passphrase'}` : 'SSH public key'}`)
        this.out(`public key:  ${key.publicKey}`)
      }
      return key
    }
    const { describeKey, parseKey } = await import('../../src/identity/keys.js')
    const key = { format: 'openpgp' as const, ...(await describeKey(await parseKey(source))) }
    if (!this.jsonEnabled()) {
      const status = key.revoked ? 'REVOKED' : key.expired ? 'EXPIRED' : 'valid'
      this.out(`fingerprint:  ${key.fingerprint}`)
      this.out(`algorithm:    ${key.algorithm}`)
      for (const [index, user] of key.userIds.entries()) {
        this.out(`${index === 0 ? 'user IDs:   ' : '            '}  ${user.name} <${user.email}>`)
      }
      this.out(`created:      ${key.created}`)
      this.out(`expires:      ${key.expires ?? 'never'}`)
      this.out(`status:       ${status}`)
      this.out(`kind:         ${key.private ? `private key, ${key.passphraseProtected ? 'passphrase-protected' : 'no passphrase'}` : 'public key'}`)
    }
    return key
  }
}
