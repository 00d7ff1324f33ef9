import { describe, expect, it } from 'vitest'
import { buildCommitMessage, parseCoAuthor, resolveIdentity } from '../../../src/identity/commit-message.js'

const KEY = {
  format: 'openpgp' as const, userIds: [{ name: 'Pin Bot', email: 'pinbot@example.com' }, { name: 'Pin Bot', email: 'bot@corp.example' }], primaryUser: { name: 'Pin Bot', email: 'pinbot@example.com' } }

describe('buildCommitMessage', () => {
  it('uses the default subject and no trailer block without co-authors', () => {
    expect(buildCommitMessage({ version: '1.2.3', coAuthors: [] })).toBe('chore: pin runtime to 1.2.3\n')
  })

  it('adds one Co-Authored-By trailer per co-author after a blank line, normalised', () => {
    const message = buildCommitMessage({
      template: 'build: runtime {version} ({version})',
      version: '0.1.7-rc.1',
      coAuthors: ['  Ada Lovelace   <ada@example.com> ', 'Release Bot <release+bot@users.noreply.example.com>'],
    })
    expect(message).toBe(
      'build: runtime 0.1.7-rc.1 (0.1.7-rc.1)\n\nCo-Authored-By: Ada Lovelace <ada@example.com>\nCo-Authored-By: Release Bot <release+bot@users.noreply.example.com>\n',
    )
  })

  it.each([
    ['', /single non-empty line/],
    ['line one\nline two', /single non-empty line/],
    ['pin {Version}', /unknown placeholder \{Version\}/],
  ])('refuses the template %j with exit 2', (template, message) => {
    expect(() => buildCommitMessage({ template, version: '1.0.0', coAuthors: [] })).toThrow(message)
    expect(() => buildCommitMessage({ template, version: '1.0.0', coAuthors: [] })).toThrow(expect.objectContaining({ code: 'invalid-message', exit: 2 }))
  })
})

describe('parseCoAuthor', () => {
  it('reads Name <email>', () => {
    expect(parseCoAuthor('Grace Hopper <grace@example.com>')).toEqual({ name: 'Grace Hopper', email: 'grace@example.com' })
  })

  it.each(['grace@example.com', 'Grace <grace>', '<grace@example.com>', 'Grace <a@b> <c@d>', 'Grace <grace@example.com', 'Gr<ace <g@example.com>'])(
    'refuses %j with exit 2',
    (text) => {
      expect(() => parseCoAuthor(text)).toThrow(expect.objectContaining({ exit: 2, code: expect.stringMatching(/^invalid-(co-author|identity)$/) }))
    },
  )
})

describe('resolveIdentity', () => {
  it("defaults to the key's primary user ID, without warnings", () => {
    expect(resolveIdentity({ key: KEY })).toEqual({ identity: KEY.primaryUser, warnings: [] })
  })

  it('lets flags override, and accepts any of the key emails', () => {
    expect(resolveIdentity({ name: 'Other Name', email: 'BOT@corp.example', key: KEY })).toEqual({
      identity: { name: 'Other Name', email: 'BOT@corp.example' },
      warnings: [],
    })
  })

  it("warns when the committer email is not among the key's user-ID emails", () => {
    const { warnings } = resolveIdentity({ email: 'someone@else.example', key: KEY })
    expect(warnings).toEqual([
      "committer email someone@else.example is not among the signing key's user-ID emails (pinbot@example.com, bot@corp.example); a forge will not show these commits as Verified",
    ])
  })

  it('takes only the email from an SSH key (its comment), needs the name, and does not warn about user IDs', () => {
    const ssh = { format: 'ssh' as const, userIds: [], primaryUser: { email: 'pinbot@example.com' } }
    expect(resolveIdentity({ name: 'Pin Bot', key: ssh })).toEqual({ identity: { name: 'Pin Bot', email: 'pinbot@example.com' }, warnings: [] })
    expect(resolveIdentity({ name: 'Pin Bot', email: 'other@example.com', key: ssh }).warnings).toEqual([])
    expect(() => resolveIdentity({ key: ssh })).toThrow(expect.objectContaining({ code: 'identity-missing', exit: 2, message: 'no commit identity: an SSH key holds no name' }))
  })

  it('needs an explicit identity when there is no key, and validates it', () => {
    expect(resolveIdentity({ name: 'Bot', email: 'bot@example.com' })).toEqual({ identity: { name: 'Bot', email: 'bot@example.com' }, warnings: [] })
    expect(() => resolveIdentity({ name: 'Bot' })).toThrow(expect.objectContaining({ code: 'identity-missing', exit: 2 }))
    expect(() => resolveIdentity({ name: 'Bot', email: 'nope' })).toThrow(expect.objectContaining({ code: 'invalid-identity', exit: 2 }))
  })
})
