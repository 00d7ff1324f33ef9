import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import { formatIdentity } from '../src/identity/commit-message.js'
import { readVerificationKeys } from '../src/identity/verification-keys.js'
import type { CommitVerification } from '../src/identity/verify-commit.js'
import { BaseCommand } from './_base.js'

export default class VerifyCommit extends BaseCommand {
  static override summary = "Verify a commit's OpenPGP or SSH signature against the bot's public key"
  static override description = `Checks the gpgsig signature over the commit's exact payload, in-process (no gpg or ssh-keygen needed), and agrees with \`git verify-commit\` (with gpg.format=ssh and gpg.ssh.allowedSignersFile for SSH signatures).
--key takes OpenPGP public keys, SSH public keys (.pub) and git allowed_signers files (principals, namespaces=, valid-after=, valid-before= honoured as git does: at the commit's committer time).
Status: good, bad-signature, unsigned, unknown-key (signed, but not by a given key), expired-key (OpenPGP: judged now, like GnuPG; SSH: outside the allowed_signers validity) or revoked-key (OpenPGP).
With --json: { commit, status, format (openpgp or ssh), fingerprint, keyId, signer, principal, reason }, each present when known.
Exit 0 only for good; 1 for any other status; 2 for bad input (no such revision, unreadable key).`
  static override examples = [
    '<%= config.bin %> verify-commit --key pinbot-signing-key.asc.pub',
    '<%= config.bin %> verify-commit main --dir ../template-python --key bot.pub --key old-bot.pub --json',
    '<%= config.bin %> verify-commit HEAD --key allowed_signers',
  ]
  static override enableJsonFlag = true
  static override args = {
    rev: Args.string({ default: 'HEAD', description: 'commit to verify: any revision git takes (HEAD~1, a branch, a tag, a short commit id)' }),
  }
  static override flags = {
    dir: Flags.string({ default: '.', description: 'the git checkout' }),
    key: Flags.string({ required: true, multiple: true, multipleNonGreedy: true, description: 'OpenPGP public key (armored or binary), SSH public key, or git allowed_signers file; repeatable' }),
  }

  async run(): Promise<CommitVerification> {
    const { args, flags } = await this.parse(VerifyCommit)
    const keys = await readVerificationKeys(flags.key)
    // isomorphic-git loads once the keys were read: a bad key file never needs it.
    const { verifyCommit } = await import('../src/identity/verify-commit.js')
    const result = await verifyCommit({ dir: flags.dir, rev: args.rev, keys })
    if (!this.jsonEnabled()) this.out(render(result))
    if (result.status !== 'good') process.exitCode = 1
    return result
  }
}

function render(result: CommitVerification): string {
  const key = result.fingerprint ?? result.keyId
  const who = result.signer ? formatIdentity(result.signer) : result.principal
  const by = [who, key ? `${result.format === 'ssh' ? 'SSH key' : 'key'} ${key}` : undefined].filter(Boolean).join(', ')
  if (result.status === 'good') return `${result.commit}: good signature by ${by}`
  return `${result.commit}: ${result.status}${by ? ` (${by})` : ''}${result.reason ? `: ${result.reason}` : ''}`
}
