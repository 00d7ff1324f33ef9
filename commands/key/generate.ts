import * as Flags from '@oclif/core/flags'
import { checkIdentity } from '../../src/identity/commit-message.js'
import { UsageError } from '../../src/errors.js'
import { checkKeyFilesFree, writeKeyFiles } from '../../src/identity/key-files.js'
import { registerPassphrase } from '../../src/identity/key-source.js'
import { KEY_TYPES, type KeyType } from '../../src/identity/key-env.js'
import { BaseCommand } from '../_base.js'

const DEFAULT_OUT = { openpgp: 'pinbot-signing-key.asc', ssh: 'pinbot_ed25519' }

export default class KeyGenerate extends BaseCommand {
  static override summary = "Create the bot's signing key pair: OpenPGP (default) or SSH"
  static override description = `Writes the private key to --out with mode 0600 (never overwritten without --force) and the public key to FILE.pub.
OpenPGP (--format openpgp, the default): armored, with a revocation certificate in FILE.rev (mode 0600); both key types are accepted by GnuPG 2.2 and by forges: ed25519 (EdDSA, the default) and rsa4096.
SSH (--format ssh): an Ed25519 key as ssh-keygen writes it (OpenSSH format; a passphrase protects it with bcrypt-pbkdf and aes256-ctr); FILE.pub carries --email as its comment. SSH keys hold no name and no expiry: commits take the name from --author-name (or the manifest's author).
Register FILE.pub on the bot's forge account (OpenPGP: as a GPG key; SSH: as a signing key), and make the bot's email a verified email of that account: a forge shows a commit as Verified only when the committer email matches.`
  static override examples = [
    '<%= config.bin %> key generate --name "Pin Bot" --email pinbot@example.com --out pinbot.asc',
    'PASS=$(pwgen 32 1) <%= config.bin %> key generate --name "Pin Bot" --email pinbot@example.com --type rsa4096 --expires 1y --passphrase-env PASS',
    '<%= config.bin %> key generate --format ssh --email pinbot@example.com --out pinbot_ed25519',
  ]
  static override enableJsonFlag = true
  static override flags = {
    format: Flags.string({ options: ['openpgp', 'ssh'], default: 'openpgp', description: 'key format: OpenPGP (GnuPG) or SSH (git gpg.format=ssh)' }),
    name: Flags.string({ description: "the bot's name (user ID); required for OpenPGP, not stored in SSH keys" }),
    email: Flags.string({ required: true, description: "the bot's email (OpenPGP user ID, SSH comment); use the forge account's verified email" }),
    type: Flags.string({ options: KEY_TYPES, description: 'OpenPGP key algorithm (default ed25519); SSH keys are always ed25519' }),
    expires: Flags.string({ description: 'OpenPGP validity: a duration like 2y, 18m, 90d, or "never" (default 2y); SSH keys do not expire' }),
    out: Flags.string({ description: `private key file (default ${DEFAULT_OUT.openpgp}, with --format ssh ${DEFAULT_OUT.ssh}); the public key goes to FILE.pub` }),
    'passphrase-env': Flags.string({ description: 'name of the environment variable holding the passphrase to protect the key with' }),
    force: Flags.boolean({ default: false, description: 'replace existing key files' }),
  }

  async run() {
    const { flags } = await this.parse(KeyGenerate)
    const format = flags.format as 'openpgp' | 'ssh'
    const out = flags.out ?? DEFAULT_OUT[format]
    const passphrase = this.passphrase(flags['passphrase-env'])
    if (format === 'ssh') return this.generateSsh(flags, out, passphrase)

    if (flags.name === undefined) throw new UsageError('invalid-identity', 'an OpenPGP key needs --name', { hint: 'Example: --name "Pin Bot" --email pinbot@example.com' })
    const user = checkIdentity({ name: flags.name, email: flags.email }, 'key')
    const { generateKey, parseExpiry } = await import('../../src/identity/keys.js')
    const expiresIn = parseExpiry(flags.expires ?? '2y')
    const files = await checkKeyFilesFree(out, flags.force, { withRevocation: true })
    const key = await generateKey({ ...user, type: (flags.type ?? 'ed25519') as KeyType, expiresIn, passphrase })
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
    return { format, ...description, files }
  }

  private async generateSsh(flags: { email: string; type?: string; expires?: string; force: boolean }, out: string, passphrase: string | undefined) {
    if (flags.type !== undefined && flags.type !== 'ed25519') {
      throw new UsageError('invalid-key-type', `--type ${flags.type} is for OpenPGP keys; SSH keys are generated as ed25519`, { hint: 'Drop --type, or use --format openpgp.' })
    }
    if (flags.expires !== undefined) {
      throw new UsageError('invalid-expiry', '--expires is for OpenPGP keys; an SSH key has no expiry of its own', {
        hint: 'Bound its validity where it is trusted instead: valid-before="YYYYMMDD" in git\'s allowed_signers file.',
      })
    }
    const { email } = checkIdentity({ name: 'unused', email: flags.email }, 'key')
    const files = await checkKeyFilesFree(out, flags.force, { withRevocation: false })
    const { generateSshKey } = await import('../../src/identity/ssh-keys.js')
    const key = generateSshKey({ comment: email, passphrase })
    await writeKeyFiles(files, key)
    const { description } = key
    if (!this.jsonEnabled()) {
      this.out(`Created SSH ${description.algorithm} key ${description.fingerprint}`)
      this.out(`  comment:      ${email}`)
      this.out(`  private key:  ${files.privateKey} (mode 0600, ${passphrase ? 'passphrase-protected' : 'no passphrase'})`)
      this.out(`  public key:   ${files.publicKey}`)
      this.out('Next steps:')
      this.out(`  1. Add the contents of ${files.publicKey} to the bot user's SSH keys on the forge as a signing key.`)
      this.out(`  2. Make ${email} a verified email of that bot user (required for "Verified").`)
      this.out(`  3. Store ${files.privateKey} as the CI secret PINBOT_SIGNING_KEY${passphrase ? ' and the passphrase as PINBOT_SIGNING_PASSPHRASE' : ''}; commits need --author-name (or the manifest's author).`)
      this.out(`  4. To verify with git: echo "${email} $(cut -d' ' -f1,2 ${files.publicKey})" >> allowed_signers`)
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
    registerPassphrase(value)
    return value
  }
}
