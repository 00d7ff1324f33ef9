/**
 * The loopback test forge: a smart-HTTP git server on 127.0.0.1 that wraps the real
 * `git http-backend`, authenticates like Gitea, and injects latency and faults. Used by
 * every integration test, the demo and the benchmark.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, stat, writeFile, chmod } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { git, gitRun, GIT_ENV } from './git.js'

export type Service = 'git-upload-pack' | 'git-receive-pack'

export interface RequestRecord {
  method: string
  path: string
  repo: string
  service?: Service
  /** Whether the request carried an Authorization header. */
  auth: boolean
  /** The User-Agent header sent. */
  userAgent?: string
  status: number
  /** For receive-pack POSTs: the ref updates the client asked for. */
  updates?: { old: string; new: string; ref: string }[]
  /** The protocol the request asked for (its Git-Protocol header), if any. */
  protocol?: string
  /** Requests to the same repo already answered when this one arrived: its place in a chain of sequential round trips. */
  answeredBefore: number
  /** Bytes of the answer's body sent (git http-backend's answers; not the forge's own error pages). */
  bytes: number
}

export interface Fault {
  /**
   * status: answer with an HTTP error; drop: close the connection without answering;
   * hang: never answer; stall: send the headers and the first bytes of the real answer,
   * then nothing more; cut: send the headers and the first bytes, then close the connection;
   * redirect: answer `status` (default 301) with a Location under `location` (a new repo
   * base: the rest of the path and the query are kept); drip: send the real answer one
   * byte every `dripMs` (default 1000); hold: answer only once a later request to the same repo
   * has arrived (at most 10 s), so that a client's parallel requests are seen in flight
   * together whatever the machine's load (`answeredBefore` then tells them apart).
   */
  kind: 'status' | 'drop' | 'hang' | 'stall' | 'cut' | 'redirect' | 'drip' | 'hold'
  /** HTTP status for kind 'status' (default 500) or 'redirect' (default 301). */
  status?: number
  /** Headers of a kind 'status' answer, e.g. Retry-After. */
  headers?: Record<string, string>
  /** For kind 'redirect': the new repo base URL, e.g. another forge's repoUrl(). */
  location?: string
  dripMs?: number
  /** Only requests to this repo ("owner/name"). */
  repo?: string
  service?: Service
  method?: string
  /** Fire on the nth matching request (1-based); default: every matching request. */
  nth?: number
}

export interface RepoFixture {
  /** Files at the tip: path -> content. Default: a `.runtime-version` of 0.1.0. */
  files?: Record<string, string | Buffer>
  /** Number of commits in the history (>= 1). */
  commits?: number
  /** The default branch HEAD points at. */
  defaultBranch?: string
  /** No commits at all (HEAD points at an unborn branch). */
  empty?: boolean
  /** Allow reads without a token (a public repo). */
  public?: boolean
  /**
   * Serve protocol v0/v1 only: the web server sets GIT_PROTOCOL=version=0, which overrides
   * the client's Git-Protocol header (git-http-backend(1)), as a server that does not pass
   * the header on behaves.
   */
  noProtocolV2?: boolean
  /** zlib level of the repo's objects (git's core.compression): 0 writes a large incompressible file in a third of the time. */
  compression?: number
}

export interface ForgeOptions {
  /** Delay added before every request is answered. */
  latencyMs?: number
}

interface ActiveFault extends Fault {
  seen: number
}

const HOOK_FAULT_MARKER = '# pinbot-forge-hook'

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/** Parse the pkt-line command list at the start of a receive-pack request body. */
function parseUpdates(body: Buffer): { old: string; new: string; ref: string }[] {
  const updates: { old: string; new: string; ref: string }[] = []
  let offset = 0
  while (offset + 4 <= body.length) {
    const len = parseInt(body.subarray(offset, offset + 4).toString(), 16)
    if (!len) break
    const line = body.subarray(offset + 4, offset + len).toString().split('\0')[0].trim()
    const [oldId, newId, ref] = line.split(' ')
    if (ref) updates.push({ old: oldId, new: newId, ref })
    offset += len
  }
  return updates
}

export class Forge {
  readonly tokens = { readWrite: `rw-${randomBytes(12).toString('hex')}`, readOnly: `ro-${randomBytes(12).toString('hex')}` }
  readonly requests: RequestRecord[] = []
  latencyMs: number
  private faults: ActiveFault[] = []
  private publicRepos = new Set<string>()
  private v1OnlyRepos = new Set<string>()
  /** Per repo: requests arrived and answered, and the holds waiting for a later arrival. */
  private arrived = new Map<string, number>()
  private answered = new Map<string, number>()
  private holds = new Map<string, { after: number; release: () => void }[]>()
  private sockets = new Set<Socket>()
  private server!: http.Server
  url = ''

  private readonly backendEnv: Record<string, string>

  private constructor(
    readonly root: string,
    /** git's own http-backend program, run directly: `git http-backend` would add a wrapper process per request. */
    private readonly httpBackend: string,
    options: ForgeOptions,
  ) {
    this.latencyMs = options.latencyMs ?? 0
    this.backendEnv = { ...(process.env as Record<string, string>), ...GIT_ENV, GIT_PROJECT_ROOT: root, GIT_HTTP_EXPORT_ALL: '1' }
  }

  static async start(options: ForgeOptions = {}): Promise<Forge> {
    const root = await mkdtemp(path.join(tmpdir(), 'pinbot-forge-'))
    const forge = new Forge(root, path.join(await git(['--exec-path']), 'git-http-backend'), options)
    forge.server = http.createServer((req, res) => {
      forge.handle(req, res).catch((error) => {
        if (!res.headersSent) res.writeHead(500)
        res.end(String(error))
      })
    })
    forge.server.on('connection', (socket) => {
      forge.sockets.add(socket)
      socket.on('close', () => forge.sockets.delete(socket))
    })
    await new Promise<void>((resolve) => forge.server.listen(0, '127.0.0.1', resolve))
    forge.url = `http://127.0.0.1:${(forge.server.address() as AddressInfo).port}`
    return forge
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
    await rm(this.root, { recursive: true, force: true })
  }

  /** The clone URL of "owner/name". */
  repoUrl(fullName: string): string {
    return `${this.url}/${fullName}.git`
  }

  /** The same URL with a token embedded (for the git CLI). */
  authedUrl(fullName: string, token = this.tokens.readWrite): string {
    return `${this.url.replace('http://', `http://pinbot:${token}@`)}/${fullName}.git`
  }

  repoPath(fullName: string): string {
    return path.join(this.root, `${fullName}.git`)
  }

  /** Run git inside a repo's bare directory. */
  git(fullName: string, args: string[], input?: string | Buffer): Promise<string> {
    return git(args, { cwd: this.repoPath(fullName), input })
  }

  async createRepo(fullName: string, fixture: RepoFixture = {}): Promise<{ tip?: string }> {
    const dir = this.repoPath(fullName)
    const branch = fixture.defaultBranch ?? 'main'
    await mkdir(dir, { recursive: true })
    await git(['init', '--bare', '--quiet', `--initial-branch=${branch}`, dir])
    await git(['config', 'receive.denyNonFastForwards', 'true'], { cwd: dir })
    await git(['config', 'receive.denyDeletes', 'true'], { cwd: dir })
    await git(['config', 'http.receivepack', 'true'], { cwd: dir })
    // A hosted forge runs its own housekeeping; no gc process after every push.
    await git(['config', 'receive.autogc', 'false'], { cwd: dir })
    if (fixture.public) this.publicRepos.add(fullName)
    if (fixture.noProtocolV2) this.v1OnlyRepos.add(fullName)
    if (fixture.empty) return {}
    const files = fixture.files ?? { '.runtime-version': '0.1.0\n' }
    if (fixture.compression !== undefined) await git(['config', 'core.compression', String(fixture.compression)], { cwd: dir })
    await git(['fast-import', '--quiet'], { cwd: dir, input: fastImportStream(branch, files, fixture.commits ?? 1) })
    return { tip: await git(['rev-parse', `refs/heads/${branch}`], { cwd: dir }) }
  }

  /** Write an object into a repo as given, even one git would refuse to write (`--literally`): crafted trees. */
  writeObject(fullName: string, type: 'blob' | 'tree' | 'commit', content: Buffer): Promise<string> {
    return this.git(fullName, ['hash-object', '-t', type, '--literally', '-w', '--stdin'], content)
  }

  /** Content of a file at a ref, or undefined when it is absent. */
  async readFile(fullName: string, file: string, ref = 'HEAD'): Promise<string | undefined> {
    const result = await gitRun(['show', `${ref}:${file}`], { cwd: this.repoPath(fullName) })
    return result.code === 0 ? result.stdout : undefined
  }

  /** Commit ids of a branch's history, newest first. */
  async history(fullName: string, ref = 'HEAD'): Promise<string[]> {
    return (await this.git(fullName, ['rev-list', ref])).split('\n').filter(Boolean)
  }

  /**
   * Commit straight into the bare repo (another writer racing the client): `files`
   * are written on top of the branch's tip.
   */
  async commitDirect(fullName: string, files: Record<string, string>, branch?: string, message = 'interloper commit'): Promise<string> {
    const dir = this.repoPath(fullName)
    const ref = branch ? `refs/heads/${branch}` : await git(['symbolic-ref', 'HEAD'], { cwd: dir })
    const index = path.join(this.root, `index-${randomBytes(6).toString('hex')}`)
    const env = { GIT_INDEX_FILE: index }
    await git(['read-tree', ref], { cwd: dir, env })
    for (const [file, content] of Object.entries(files)) {
      const blob = await git(['hash-object', '-w', '--stdin'], { cwd: dir, input: content })
      await git(['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`], { cwd: dir, env })
    }
    const tree = await git(['write-tree'], { cwd: dir, env })
    const commit = await git(['commit-tree', tree, '-p', ref, '-m', message], { cwd: dir })
    await git(['update-ref', ref, commit], { cwd: dir })
    await rm(index, { force: true })
    return commit
  }

  /** Install a pre-receive hook script (a shell body) in one repo. */
  async setPreReceive(fullName: string, body: string): Promise<void> {
    const hook = path.join(this.repoPath(fullName), 'hooks', 'pre-receive')
    await writeFile(hook, `#!/bin/sh\n${HOOK_FAULT_MARKER}\n${body}\n`)
    await chmod(hook, 0o755)
  }

  /** A pre-receive hook that rejects every push with `message`. */
  rejectPushes(fullName: string, message = 'push rejected by policy'): Promise<void> {
    return this.setPreReceive(fullName, `echo ${JSON.stringify(message)} >&2\nexit 1`)
  }

  /**
   * A pre-receive hook that, on the first push only, moves the pushed branch to a new
   * commit (rewriting `file` with `content`) before the push lands: the push then loses
   * the race, as if another writer had pushed first.
   */
  raceOnce(fullName: string, file = 'RACE.txt', content = 'raced\n'): Promise<void> {
    return this.setPreReceive(
      fullName,
      [
        'marker="$GIT_DIR/raced-once"',
        '[ -f "$marker" ] && exit 0',
        'touch "$marker"',
        // Ref updates are forbidden inside the push's object quarantine; step out of it.
        'unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES',
        'while read old new ref; do',
        '  idx="$GIT_DIR/race-index"',
        '  GIT_INDEX_FILE="$idx" git read-tree "$ref"',
        `  blob=$(printf '%b' ${JSON.stringify(content)} | git hash-object -w --stdin)`,
        `  GIT_INDEX_FILE="$idx" git update-index --add --cacheinfo "100644,$blob,${file}"`,
        '  tree=$(GIT_INDEX_FILE="$idx" git write-tree)',
        `  c=$(GIT_AUTHOR_NAME=racer GIT_AUTHOR_EMAIL=racer@example.com GIT_COMMITTER_NAME=racer GIT_COMMITTER_EMAIL=racer@example.com git commit-tree "$tree" -p "$old" -m "racing commit")`,
        '  git update-ref "$ref" "$c" "$old"',
        '  rm -f "$idx"',
        'done',
        'exit 0',
      ].join('\n'),
    )
  }

  inject(fault: Fault): void {
    this.faults.push({ ...fault, seen: 0 })
  }

  clearFaults(): void {
    this.faults = []
  }

  clearLog(): void {
    this.requests.length = 0
  }

  /** Requests to one repo, optionally of one service. */
  requestsFor(fullName: string, service?: Service): RequestRecord[] {
    return this.requests.filter((r) => r.repo === fullName && (!service || r.service === service))
  }

  private tokenRole(header: string | undefined): 'rw' | 'ro' | undefined {
    if (!header?.startsWith('Basic ')) return undefined
    const [user, ...rest] = Buffer.from(header.slice(6), 'base64').toString().split(':')
    const password = rest.join(':')
    // Gitea: token as password, or as user name with an empty/x-oauth-basic password.
    const token = password && password !== 'x-oauth-basic' ? password : user
    if (token === this.tokens.readWrite) return 'rw'
    if (token === this.tokens.readOnly) return 'ro'
    return undefined
  }

  private matchFault(record: RequestRecord): ActiveFault | undefined {
    for (const fault of this.faults) {
      if (fault.repo && fault.repo !== record.repo) continue
      if (fault.service && fault.service !== record.service) continue
      if (fault.method && fault.method !== record.method) continue
      fault.seen += 1
      if (fault.nth === undefined || fault.nth === fault.seen) return fault
    }
    return undefined
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url)
    const match = /^\/([^/]+\/[^/]+?)\.git(\/.*)$/.exec(url.pathname)
    const service = (url.searchParams.get('service') ??
      (url.pathname.endsWith('/git-upload-pack') ? 'git-upload-pack' : url.pathname.endsWith('/git-receive-pack') ? 'git-receive-pack' : undefined)) as
      | Service
      | undefined
    const record: RequestRecord = {
      method: req.method ?? 'GET',
      path: url.pathname + url.search,
      repo: match?.[1] ?? '',
      service,
      auth: Boolean(req.headers.authorization),
      userAgent: req.headers['user-agent'],
      status: 0,
      ...(req.headers['git-protocol'] && { protocol: String(req.headers['git-protocol']) }),
      answeredBefore: this.answered.get(match?.[1] ?? '') ?? 0,
      bytes: 0,
    }
    this.requests.push(record)
    const arrival = (this.arrived.get(record.repo) ?? 0) + 1
    this.arrived.set(record.repo, arrival)
    for (const hold of this.holds.get(record.repo)?.filter((h) => h.after < arrival) ?? []) hold.release()
    res.on('finish', () => this.answered.set(record.repo, (this.answered.get(record.repo) ?? 0) + 1))
    const body = await readBody(req)
    if (service === 'git-receive-pack' && record.method === 'POST') record.updates = parseUpdates(body)
    if (this.latencyMs) await sleep(this.latencyMs)

    const fault = this.matchFault(record)
    if (fault?.kind === 'hold') {
      await new Promise<void>((resolve) => {
        if ((this.arrived.get(record.repo) ?? 0) > arrival) return resolve()
        const waiting = this.holds.get(record.repo) ?? []
        const hold = { after: arrival, release: () => (clearTimeout(timer), waiting.splice(waiting.indexOf(hold), 1), resolve()) }
        const timer = setTimeout(hold.release, 10_000)
        waiting.push(hold)
        this.holds.set(record.repo, waiting)
      })
    }
    if (fault?.kind === 'hang') return void (record.status = -1)
    if (fault?.kind === 'drop') {
      record.status = -2
      return void req.socket.destroy()
    }
    const reply = (status: number, text: string, headers: Record<string, string> = {}) => {
      record.status = status
      res.writeHead(status, { 'content-type': 'text/plain', ...headers })
      res.end(`${text}\n`)
    }
    if (fault?.kind === 'status') return reply(fault.status ?? 500, 'injected failure', fault.headers)
    if (fault?.kind === 'redirect') {
      const rest = match ? match[2] : url.pathname
      return reply(fault.status ?? 301, 'moved', { location: `${fault.location}${rest}${url.search}` })
    }
    if (!match || !service) return reply(404, 'not found')

    const role = this.tokenRole(req.headers.authorization)
    const exists = await stat(this.repoPath(match[1])).then(
      () => true,
      () => false,
    )
    const publicRead = this.publicRepos.has(match[1]) && service === 'git-upload-pack'
    if (!role && !publicRead) {
      return reply(401, 'Unauthorized', { 'www-authenticate': 'Basic realm="pinbot-forge"' })
    }
    if (!exists) return reply(404, 'Repository not found')
    if (service === 'git-receive-pack' && role !== 'rw') return reply(403, 'User permission denied for writing.')

    await this.runBackend(req, res, record, match[1], match[2], url.search.slice(1), body, fault)
  }

  private runBackend(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: RequestRecord,
    repo: string,
    subPath: string,
    query: string,
    body: Buffer,
    fault?: ActiveFault,
  ): Promise<void> {
    const env: Record<string, string> = {
      ...this.backendEnv,
      PATH_INFO: `/${repo}.git${subPath}`,
      REQUEST_METHOD: req.method ?? 'GET',
      QUERY_STRING: query,
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      CONTENT_LENGTH: String(body.length),
      REMOTE_USER: 'pinbot-forge-user',
      REMOTE_ADDR: '127.0.0.1',
    }
    if (req.headers['git-protocol']) env.GIT_PROTOCOL = String(req.headers['git-protocol'])
    if (this.v1OnlyRepos.has(repo)) env.GIT_PROTOCOL = 'version=0'
    if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = String(req.headers['content-encoding'])
    return new Promise((resolve, reject) => {
      const child = spawn(this.httpBackend, [], { env })
      let head = Buffer.alloc(0)
      let headersDone = false
      // For stall/cut faults: how many body bytes still go out before the answer breaks off.
      let budget = fault?.kind === 'stall' || fault?.kind === 'cut' ? 8 : Infinity
      let dripping = Promise.resolve()
      const writeBody = (chunk: Buffer) => {
        if (fault?.kind === 'drip') {
          // One byte at a time, forever slower than any deadline; ends when the client gives up.
          dripping = dripping.then(async () => {
            for (const byte of chunk) {
              if (res.destroyed) return
              record.bytes += 1
              res.write(Buffer.of(byte))
              await sleep(fault.dripMs ?? 1000)
            }
          })
          return
        }
        if (budget <= 0) return
        record.bytes += Math.min(chunk.length, budget)
        res.write(chunk.subarray(0, budget))
        budget -= chunk.length
        if (budget > 0) return
        if (fault?.kind === 'cut') setTimeout(() => req.socket.destroy(), 20)
      }
      child.stdout.on('data', (chunk: Buffer) => {
        if (headersDone) return writeBody(chunk)
        head = Buffer.concat([head, chunk])
        const sep = head.indexOf('\r\n\r\n') >= 0 ? head.indexOf('\r\n\r\n') : head.indexOf('\n\n')
        if (sep < 0) return
        const sepLength = head[sep] === 13 ? 4 : 2
        const headers: Record<string, string> = {}
        let status = 200
        for (const line of head.subarray(0, sep).toString().split(/\r?\n/)) {
          const i = line.indexOf(':')
          const key = line.slice(0, i).trim().toLowerCase()
          const value = line.slice(i + 1).trim()
          if (key === 'status') status = parseInt(value, 10)
          else headers[key] = value
        }
        record.status = status
        res.writeHead(status, headers)
        headersDone = true
        writeBody(head.subarray(sep + sepLength))
      })
      child.stderr.resume()
      child.on('error', reject)
      child.on('close', () => {
        if (!headersDone) {
          record.status = 500
          res.writeHead(500)
        }
        void dripping.then(() => {
          if (budget > 0 && !res.destroyed) res.end()
          resolve()
        })
      })
      child.stdin.on('error', () => {})
      child.stdin.end(body)
    })
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/**
 * A `git fast-import` stream for a history of `commits` commits whose tip holds `files`.
 * Earlier commits touch HISTORY.md, so the history is real but the tip is exactly `files`.
 */
function fastImportStream(branch: string, files: Record<string, string | Buffer>, commits: number): Buffer {
  const parts: Buffer[] = []
  const push = (s: string | Buffer) => parts.push(typeof s === 'string' ? Buffer.from(s) : s)
  const data = (content: string | Buffer) => {
    const buf = typeof content === 'string' ? Buffer.from(content) : content
    push(`data ${buf.length}\n`)
    push(buf)
    push('\n')
  }
  const start = 1_700_000_000
  for (let i = 1; i <= commits; i++) {
    push(`commit refs/heads/${branch}\n`)
    push(`committer Fixture Author <fixture@example.com> ${start + i * 60} +0000\n`)
    data(i === commits ? 'template tip\n' : `history commit ${i}\n`)
    if (i === 1) push('deleteall\n')
    if (i < commits) {
      push('M 100644 inline HISTORY.md\n')
      data(`entry ${i}\n`)
    } else {
      if (commits > 1 && !('HISTORY.md' in files)) push('D HISTORY.md\n')
      for (const [file, content] of Object.entries(files)) {
        push(`M 100644 inline ${file}\n`)
        data(content)
      }
    }
  }
  return Buffer.concat(parts)
}
