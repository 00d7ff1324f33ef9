import * as Flags from '@oclif/core/flags'
import { checkIdentity } from '../../src/identity/commit-message.js'
import { UsageError } from '../../src/errors.js'
import { checkKeyFilesFree, writeKeyFiles } from '../../src/identity/key-files.js'
import { generateKey, KEY_TYPES, parseExpiry, type KeyType } from '../../src/identity/keys.js'
import { registerSecret } from '../../src/redact.js'
import { BaseCommand } from '../_base.js'

export default class KeyGenerate extends BaseCommand {
  static override summary = "Create the bot's OpenPGP signing key pair"
  static override description = `Writes the armored private key to --out with mode 0600 (never overwritten without --force), the public key to FILE.pub and a revocation certificate to FILE.rev (mode 0600).
Both key types are accepted by GnuPG 2.2 and by forges: ed25519 (EdDSA, the default) and rsa4096.
Register FILE.pub on the bot's forge account, and make the bot's email a verified email of that account: a forge shows a commit as Verified only when the committer email matches.`
  static override examples = [
    '<%= config.bin %> key generate --name "Pin Bot" --email pinbot@example.com --out pinbot.asc',
    'PASS=$(pwgen 32 1) <%= config.bin %> key generate --name "Pin Bot" --email pinbot@example.com --type rsa4096 --expires 1y --passphrase-env PASS',
  ]
  static override enableJsonFlag = true
  static override flags = {
    name: Flags.string({ required: true, description: "the bot's name (user ID)" }),
    email: Flags.string({ required: true, description: "the bot's email (user ID); use the forge account's verified email" }),
    type: Flags.string({ options: KEY_TYPES, default: 'ed25519', description: 'key algorithm' }),
    expires: Flags.string({ default: '2y', description: 'validity: a duration like 2y, 18m, 90d, or "never"' }),
    out: Flags.string({ default: 'pinbot-signing-key.asc', description: 'private key file (the public key goes to FILE.pub)' }),
    'passphrase-env': Flags.string({ description: 'name of the environment variable holding the passphrase to protect the key with' }),
    force: Flags.boolean({ default: false, description: 'replace existing key files' }),
  }

  async run() {
    const { flags } = await this.parse(KeyGenerate)
    const user = checkIdentity({ name: flags.name, email: flags.email }, 'key')
    const expiresIn = parseExpiry(flags.expires)
    const passphrase = this.passphrase(flags['passphrase-env'])
    const files = await checkKeyFilesFree(flags.out, flags.force)
    const key = await generateKey({ ...user, type: flags.type as KeyType, expiresIn, passphrase })
    await writeKeyFiles(files, { privateKey: key.privateKeyArmored, publicKey: key.publicKeyArmored, revocationCertificate: key.revocationCertificate })
    const { description } = key
    if (!this.jsonEnabled()) {
      this.out(`Created ${description.algorithm} key ${description.fingerprint}`)
      this.out(`  user ID:      ${user.name} <${user.email}>`)
      this.out(`  expires:      ${description.expires ?? 'never'}`)
      this.out(`  private key:  ${files.privateKey} (mode 0600, ${passphrase ? 'passphrase-protected' : 'no passphrase'})`)
      this.out(`  public key:   ${files.publicKey}`)
      this.out(`  revocation:   ${files.revocationCertificate} (keep it offline; importing it revokes the key)`)
      this.out('Next steps:')
      this.out(`  1. Add the contents of ${files.publicKey} to the bot user's GPG keys on the forge.`)
      this.out(`  2. Make ${user.email} a verified email of that bot user (required for "Verified").`)
      this.out(`  3. Store ${files.privateKey} as the CI secret PINBOT_SIGNING_KEY${passphrase ? ' and the passphrase as PINBOT_SIGNING_PASSPHRASE' : ''}.`)
    }
    return { ...description, files }
  }

  private passphrase(variable: string | undefined): string | undefined {
    if (variable === undefined) return undefined
    const value = process.env[variable]
    if (!value) {
      throw new UsageError('passphrase-missing', `--passphrase-env ${variable}: the environment variable is not set or empty`, {
        hint: `Export ${variable} with the passphrase first.`,
      })
    }
    registerSecret(value)
    return value
  }
}
