/**
 * Everything a bot commit needs, settled before any repository is touched: the signing key
 * (loaded, decrypted, checked), the author/committer identity, the co-authors and the
 * subject template. Any problem is a UsageError (exit 2). Shared by local and remote pins.
 */
import { buildCommitMessage, checkTemplate, DEFAULT_MESSAGE_TEMPLATE, parseCoAuthor, resolveIdentity, type BotIdentity } from './commit-message.js'
import { loadSigningKey } from './signing-key.js'
import type { Signer } from './signing.js'

export interface BotCommitSettings {
  /** --signing-key FILE; otherwise PINBOT_SIGNING_KEY from env. */
  signingKeyFile?: string
  /** --no-sign: the only way to commit unsigned. */
  noSign?: boolean
  authorName?: string
  authorEmail?: string
  /** `Name <email>` values. */
  coAuthors?: string[]
  template?: string
}

/** One bot commit: who makes it, its message, and its signer (absent: unsigned, --no-sign). */
export interface BotCommit {
  identity: BotIdentity
  message: string
  signer?: Signer
}

export interface BotCommitSetup {
  /** The signing key's; absent only with --no-sign. */
  fingerprint?: string
  warnings: string[]
  /** The commit that pins `version`. */
  commit(version: string): BotCommit
}

export async function prepareBotCommit(settings: BotCommitSettings): Promise<BotCommitSetup> {
  const template = checkTemplate(settings.template ?? DEFAULT_MESSAGE_TEMPLATE)
  const coAuthors = settings.coAuthors ?? []
  coAuthors.forEach(parseCoAuthor)
  const key = settings.noSign ? undefined : await loadSigningKey({ file: settings.signingKeyFile })
  const { identity, warnings } = resolveIdentity({ name: settings.authorName, email: settings.authorEmail, key })
  const signer = key?.sign
  return {
    ...(key ? { fingerprint: key.fingerprint } : {}),
    warnings: [...(key?.warnings ?? []), ...warnings],
    commit: (version) => ({ identity, message: buildCommitMessage({ template, version, coAuthors }), ...(signer ? { signer } : {}) }),
  }
}
