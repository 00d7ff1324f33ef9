import * as Args from '@oclif/core/args'
import { UsageError } from '../../src/errors.js'
import { SIGNING_KEY_ENV } from '../../src/identity/key-env.js'
import { describeKey, parseKey, readKeySource } from '../../src/identity/keys.js'
import { BaseCommand } from '../_base.js'

export default class KeyShow extends BaseCommand {
  static override summary = 'Show an OpenPGP key: fingerprint, algorithm, user IDs, dates, status'
  static override description = `Reads FILE (a private or public key, armored), or the key in ${SIGNING_KEY_ENV} when FILE is omitted. Never prints private material.`
  static override examples = [
    '<%= config.bin %> key show pinbot-signing-key.asc.pub',
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
    const key = await describeKey(await parseKey(source))
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
