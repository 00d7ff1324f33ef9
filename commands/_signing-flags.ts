/**
 * The bot identity and signing flags every committing command shares (`pin`, local or
 * remote, and `cascade`), and their translation into src's BotCommitSettings.
 */
import { Flags, type Interfaces } from '@oclif/core'
import type { BotCommitSettings } from '../src/bot-commit.js'
import { DEFAULT_MESSAGE_TEMPLATE } from '../src/commit-message.js'
import { PASSPHRASE_ENV, SIGNING_KEY_ENV } from '../src/keys.js'

export const signingFlags = {
  'signing-key': Flags.string({
    description: `armored private key file (default: the key in ${SIGNING_KEY_ENV}); passphrase from ${PASSPHRASE_ENV}`,
    exclusive: ['no-sign'],
  }),
  'no-sign': Flags.boolean({ default: false, description: 'commit unsigned (the only way to commit without a key)' }),
  'author-name': Flags.string({ description: "author and committer name (default: the key's primary user ID)" }),
  'author-email': Flags.string({ description: "author and committer email (default: the key's primary user ID); should be a key user-ID email" }),
  'co-author': Flags.string({ multiple: true, multipleNonGreedy: true, description: 'add a "Co-Authored-By: Name <email>" trailer; repeatable' }),
  message: Flags.string({ default: DEFAULT_MESSAGE_TEMPLATE, description: 'commit subject template; {version} is replaced' }),
}

export type SigningFlags = Interfaces.InferredFlags<typeof signingFlags>

export function botCommitSettings(flags: SigningFlags): BotCommitSettings {
  return {
    signingKeyFile: flags['signing-key'],
    noSign: flags['no-sign'],
    authorName: flags['author-name'],
    authorEmail: flags['author-email'],
    coAuthors: flags['co-author'] ?? [],
    template: flags.message,
  }
}
