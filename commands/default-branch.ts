import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import { resolveDefaultBranches } from '../src/fleet/default-branches.js'
import { DEFAULT_REPO_TIMEOUT_MS } from '../src/fleet/repo-deadline.js'
import { movedNotice } from '../src/git/remote-errors.js'
import { parseForgeUrl, resolveRepo } from '../src/git/repo-ref.js'
import { tokenScope } from '../src/git/auth.js'
import { renderTable } from '../src/report/table.js'
import { BaseCommand } from './_base.js'
import { remoteFlags, remoteSettings, repoTimeoutFlag, repoTimeoutMs } from './_remote-flags.js'

export default class DefaultBranch extends BaseCommand {
  static override summary = "Show each remote repo's default branch (its HEAD symref)"
  static override description = `Reads the branch HEAD points at from each repo over smart HTTP: one round trip per repo (protocol v2's ls-refs for HEAD alone where the server speaks it, else the ref advertisement), repos in parallel. Never assumes main.
A REPO is a clone URL, or OWNER/NAME resolved against --forge. The token is read from PINBOT_TOKEN (or the variable named by --token-env); without one, requests are anonymous. With --forge the token goes to that origin only (other URLs are read anonymously); without it, to the origins of the URLs given.
Exits 1 if any repo failed (bad token, no access, missing, empty, unreachable).`
  static override examples = [
    '<%= config.bin %> default-branch https://git.example.com/acme/template-python.git',
    'PINBOT_TOKEN=... <%= config.bin %> default-branch acme/template-python acme/template-node --forge https://git.example.com',
    '<%= config.bin %> default-branch acme/a acme/b --forge https://git.example.com --json',
  ]
  static override strict = false
  static override enableJsonFlag = true
  static override args = {
    repo: Args.string({ required: true, description: 'clone URL, or OWNER/NAME with --forge (several allowed)' }),
  }
  static override flags = {
    forge: Flags.string({ helpValue: 'URL', description: 'base URL that OWNER/NAME repos are resolved against' }),
    concurrency: Flags.integer({ min: 1, max: 64, default: 8, description: 'repos queried at once' }),
    ...remoteFlags,
    ...repoTimeoutFlag(DEFAULT_REPO_TIMEOUT_MS),
  }

  async run() {
    const { argv, flags } = await this.parse(DefaultBranch)
    const forge = flags.forge === undefined ? undefined : parseForgeUrl(flags.forge)
    const repos = (argv as string[]).map((text) => resolveRepo(text, forge))
    const remote = remoteSettings(flags)
    const tokenOrigins = tokenScope(forge ? [forge.href] : repos.map((repo) => repo.url), { token: remote.auth.token, allowHttp: flags['allow-token-over-http'] })
    const repoDeadlineMs = repoTimeoutMs(flags, DEFAULT_REPO_TIMEOUT_MS)
    const results = await resolveDefaultBranches(repos, { ...remote, tokenOrigins: [...tokenOrigins], concurrency: flags.concurrency, repoTimeoutMs: repoDeadlineMs })
    const failed = results.filter((r) => 'error' in r)
    if (failed.length) process.exitCode = 1
    if (!this.jsonEnabled()) {
      this.out(renderTable(['REPO', 'DEFAULT BRANCH'], results.map((r) => [r.repo, 'branch' in r ? r.branch : `error (${r.error.code}): ${r.error.message}`])))
      for (const r of failed) if ('error' in r && r.error.hint) this.err(`${r.repo}: ${r.error.hint}`)
      for (const r of results) if ('movedTo' in r && r.movedTo) this.err(`${r.repo}: ${movedNotice(r.movedTo)}`)
    }
    return { results }
  }
}
