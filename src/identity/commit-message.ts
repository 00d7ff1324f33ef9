/**
 * The bot's commit identity and message: a one-line subject from a template, then one
 * `Co-Authored-By:` trailer per co-author, in the form `git interpret-trailers --parse`
 * reads back exactly. Pure functions; no key or git library is loaded here.
 */
import { UsageError } from '../errors.js'

export interface BotIdentity {
  name: string
  email: string
}

export const DEFAULT_MESSAGE_TEMPLATE = 'chore: pin runtime to {version}'
const CO_AUTHOR_TRAILER = 'Co-Authored-By'

// Git rejects names and emails containing these; '<' '>' would break the `Name <email>` form.
const FORBIDDEN_IN_NAME = /[<>\n\r\0]/
const EMAIL = /^[^\s<>@]+@[^\s<>@]+$/
const CO_AUTHOR = /^([^<>]+?)\s*<([^<>]*)>$/

export function formatIdentity(identity: BotIdentity): string {
  return `${identity.name} <${identity.email}>`
}

/** Validate a name/email pair given on the command line. */
export function checkIdentity(identity: BotIdentity, what: string): BotIdentity {
  const name = identity.name.trim()
  const email = identity.email.trim()
  if (!name || FORBIDDEN_IN_NAME.test(name)) {
    throw new UsageError('invalid-identity', `${what} name ${JSON.stringify(identity.name)} is not usable in a commit`, {
      hint: 'Use a non-empty name without "<", ">" or line breaks.',
    })
  }
  if (!EMAIL.test(email)) {
    throw new UsageError('invalid-identity', `${what} email ${JSON.stringify(identity.email)} is not an email address`, {
      hint: 'Use a form like bot@example.com.',
    })
  }
  return { name, email }
}

/** Parse `Name <email>` (a --co-author value). */
export function parseCoAuthor(text: string): BotIdentity {
  const match = CO_AUTHOR.exec(text.trim())
  if (!match) {
    throw new UsageError('invalid-co-author', `co-author ${JSON.stringify(text)} is not of the form "Name <email>"`, {
      hint: 'Example: --co-author "Release Bot <release-bot@example.com>"',
    })
  }
  return checkIdentity({ name: match[1], email: match[2] }, 'co-author')
}

/** Validate a subject template: one line, holding `{version}`, its only placeholder. */
export function checkTemplate(template: string): string {
  if (!template.trim() || /[\r\n]/.test(template)) {
    throw new UsageError('invalid-message', 'the commit message template must be a single non-empty line', {
      hint: `It becomes the commit subject. Default: "${DEFAULT_MESSAGE_TEMPLATE}".`,
    })
  }
  const unknown = [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[0]).filter((p) => p !== '{version}')
  if (unknown.length > 0) {
    throw new UsageError('invalid-message', `unknown placeholder ${unknown[0]} in the commit message template`, {
      hint: 'The only placeholder is {version}.',
    })
  }
  // Every pin commit names its version, as the manifest's "message" rule requires too.
  if (!template.includes('{version}')) {
    throw new UsageError('invalid-message', 'the commit message template has no {version} placeholder', { hint: `For example "${DEFAULT_MESSAGE_TEMPLATE}".` })
  }
  return template.trim()
}

export function buildCommitMessage(options: { template?: string; version: string; coAuthors: string[] }): string {
  const subject = checkTemplate(options.template ?? DEFAULT_MESSAGE_TEMPLATE).split('{version}').join(options.version)
  const trailers = options.coAuthors.map((text) => `${CO_AUTHOR_TRAILER}: ${formatIdentity(parseCoAuthor(text))}`)
  return trailers.length === 0 ? `${subject}\n` : `${subject}\n\n${trailers.join('\n')}\n`
}

/**
 * The committer (and author) of bot commits: explicit flags win, else the key's primary
 * user ID (an SSH key names at most an email, in its comment). Warns when the email is not
 * one of an OpenPGP key's user-ID emails, because a forge then does not show the commit as
 * Verified (for an SSH key the forge checks the email against the account instead).
 */
export function resolveIdentity(options: {
  name?: string
  email?: string
  key?: { format: 'openpgp' | 'ssh'; userIds: BotIdentity[]; primaryUser?: Partial<BotIdentity> }
}): { identity: BotIdentity; warnings: string[] } {
  const name = options.name ?? options.key?.primaryUser?.name
  const email = options.email ?? options.key?.primaryUser?.email
  if (!name || !email) {
    const ssh = options.key?.format === 'ssh'
    throw new UsageError('identity-missing', ssh ? `no commit identity: an SSH key holds no name${email ? '' : ' and its comment is not an email'}` : 'no commit identity: there is no signing key to take it from', {
      hint: ssh ? 'Pass --author-name (and --author-email), or set "author" in the manifest.' : 'Pass --author-name and --author-email (or a signing key whose user ID names the bot).',
    })
  }
  const identity = checkIdentity({ name, email }, 'author')
  const warnings: string[] = []
  const keyEmails = options.key?.userIds.map((user) => user.email.toLowerCase()) ?? []
  if (options.key?.format === 'openpgp' && !keyEmails.includes(identity.email.toLowerCase())) {
    warnings.push(
      `committer email ${identity.email} is not among the signing key's user-ID emails (${keyEmails.join(', ') || 'none'}); ` +
        'a forge will not show these commits as Verified',
    )
  }
  return { identity, warnings }
}
