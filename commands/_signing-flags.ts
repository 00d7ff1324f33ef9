/**
 * The bot identity and signing flags every committing command shares (`pin`, local or
 * remote, and `cascade`), and their translation into src's BotCommitSettings.
 */
import * as Flags from '@oclif/core/flags'
import type { Interfaces } from '@oclif/core'
import type { BotCommitSettings } from '../src/identity/bot-commit.js'
import { DEFAULT_MESSAGE_TEMPLATE } from '../src/identity/commit-message.js'
import { PASSPHRASE_ENV, SIGNING_KEY_ENV } from '../src/identity/key-env.js'

export const signingFlags = {
  'signing-key': Flags.string({
    description: `private key file, OpenPGP (armored) or OpenSSH (default: the key in ${SIGNING_KEY_ENV}); passphrase from ${PASSPHRASE_ENV}`,
    exclusive: ['no-sign'],
  }),
  'no-sign': Flags.boolean({ default: false, description: 'commit unsigned (the only way to commit without a key)' }),
  'author-name': Flags.string({ description: "author and committer name (default: the OpenPGP key's primary user ID; required with an SSH key)" }),
  'author-email': Flags.string({ description: "author and committer email (default: the OpenPGP key's primary user ID, or the SSH key's comment); the forge account's verified email" }),
  'co-author': Flags.string({ multiple: true, multipleNonGreedy: true, description: 'add a "Co-Authored-By: Name <email>" trailer; repeatable' }),
  message: Flags.string({ default: DEFAULT_MESSAGE_TEMPLATE, description: 'commit subject template; must hold {version}, which is replaced' }),
}

export type SigningFlags = Interfaces.InferredFlags<typeof signingFlags>

/** What a command's manifest says about its commits; a flag, when given, wins. */
export interface CommitDefaults {
  author?: { name: string; email: string }
  coAuthors?: string[]
  message?: string
}

export function botCommitSettings(flags: Omit<SigningFlags, 'message'> & { message?: string }, defaults: CommitDefaults = {}): BotCommitSettings {
  return {
    signingKeyFile: flags['signing-key'],
    noSign: flags['no-sign'],
    authorName: flags['author-name'] ?? defaults.author?.name,
    authorEmail: flags['author-email'] ?? defaults.author?.email,
    coAuthors: flags['co-author'] ?? defaults.coAuthors ?? [],
    template: flags.message ?? defaults.message,
  }
}
