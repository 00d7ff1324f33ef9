/**
 * Real web servers for the network tests, each a child process of the test with its
 * configuration in a temporary directory, listening on 127.0.0.1 only:
 * - `startGitNginx`: nginx + fcgiwrap serving `git http-backend` over TLS (a CA generated
 *   here; trust it with NODE_EXTRA_CA_CERTS) or plain http, with Basic auth on every request
 *   or only on pushes (anonymous reads, the common Apache/Gitea set-up);
 * - `startTinyproxy`: a forward proxy (CONNECT for https) whose log shows what went through it.
 * Runs as root or not: nginx's `user` directive is only given to a root master.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { git } from './git.js'

function run(cmd: string, args: string[], cwd?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${err}`))))
  })
}

/** A free port on 127.0.0.1 (nginx and tinyproxy cannot listen on port 0 and tell us). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

async function waitForPort(port: number, child: ChildProcess, what: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${what()} exited with ${child.exitCode}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy()
        resolve(true)
      })
      socket.on('error', () => resolve(false))
    })
    if (open) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`${what()} did not listen on ${port}`)
}

/** Stop a child; `group`: the whole process group it leads (spawned detached), so that its workers go too. */
function stopChild(child: ChildProcess, group = false): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    if (group) killGroup(child)
    return Promise.resolve()
  }
  return new Promise((resolve) => {
    child.once('close', () => resolve())
    if (group) killGroup(child)
    else child.kill('SIGTERM')
  })
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGTERM')
  } catch {
    // the group is gone already
  }
}

export interface TestCa {
  /** PEM file of the CA: what NODE_EXTRA_CA_CERTS points at. */
  caFile: string
  certFile: string
  keyFile: string
}

/** A CA and a server certificate for 127.0.0.1 / localhost, signed by it. */
export async function createTestCa(dir: string): Promise<TestCa> {
  const f = (name: string) => path.join(dir, name)
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=pinbot test CA'])
  await run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1'])
  await writeFile(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n')
  await run('openssl', ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('ext.cnf')])
  return { caFile: f('ca.pem'), certFile: f('server.pem'), keyFile: f('server.key') }
}

export interface GitNginx {
  url: string
  /** One line per request: `METHOD URI STATUS AUTH(0|1) USER-AGENT`. */
  accessLog(): Promise<string[]>
  stop(): Promise<void>
}

export interface GitNginxOptions {
  /** The directory of bare repos (e.g. a loopback Forge's root). */
  projectRoot: string
  /** Basic-auth user and password (the token). */
  user: string
  password: string
  /** `push`: anonymous reads, Basic auth for pushes; `all`: Basic auth for everything. */
  authFor: 'push' | 'all'
  /** Serve TLS with this certificate; otherwise plain http. */
  tls?: TestCa
  /** Extra `location` blocks, e.g. a redirect. */
  extraLocations?: string
}

export async function startGitNginx(options: GitNginxOptions): Promise<GitNginx> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pinbot-nginx-'))
  const port = await freePort()
  const socket = path.join(dir, 'fcgiwrap.sock')
  // Its own process group: fcgiwrap -c 4 forks workers, which outlive a SIGTERM to the parent alone.
  const fcgiwrap = spawn('fcgiwrap', ['-s', `unix:${socket}`, '-c', '4'], { stdio: ['ignore', 'ignore', 'ignore'], detached: true })
  const execPath = await git(['--exec-path'])
  const hash = (await new Promise<string>((resolve, reject) => {
    const child = spawn('openssl', ['passwd', '-apr1', '-stdin'], { stdio: ['pipe', 'pipe', 'ignore'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('close', () => resolve(out.trim()))
    child.stdin.end(`${options.password}\n`)
  }))
  await writeFile(path.join(dir, 'htpasswd'), `${options.user}:${hash}\n`)
  const realm = options.authFor === 'all' ? '"git"' : '$push_realm'
  const conf = `
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  client_body_temp_path ${dir}/body;
  fastcgi_temp_path ${dir}/fastcgi;
  proxy_temp_path ${dir}/proxy;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  merge_slashes off;
  client_max_body_size 0;
  map $http_authorization $has_auth { "" 0; default 1; }
  log_format pinbot '$request_method $request_uri $status $has_auth "$http_user_agent"';
  access_log ${dir}/access.log pinbot;
  map "$uri?$args" $push_realm { default off; "~/git-receive-pack\\?" "git"; "~service=git-receive-pack" "git"; }
  server {
    listen 127.0.0.1:${port}${options.tls ? ' ssl' : ''};
    ${options.tls ? `ssl_certificate ${options.tls.certFile}; ssl_certificate_key ${options.tls.keyFile};` : ''}
    ${options.extraLocations ?? ''}
    location / {
      auth_basic ${realm};
      auth_basic_user_file ${dir}/htpasswd;
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME ${execPath}/git-http-backend;
      fastcgi_param GIT_PROJECT_ROOT ${options.projectRoot};
      fastcgi_param GIT_HTTP_EXPORT_ALL 1;
      fastcgi_param PATH_INFO $uri;
      fastcgi_param REMOTE_USER $remote_user;
      fastcgi_pass unix:${socket};
    }
  }
}
`
  await writeFile(path.join(dir, 'nginx.conf'), conf)
  const nginx = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let nginxErr = ''
  nginx.stderr!.on('data', (d) => (nginxErr += d))
  try {
    await waitForPort(port, nginx, () => `nginx (${nginxErr})`)
  } catch (error) {
    await Promise.all([stopChild(nginx), stopChild(fcgiwrap, true)])
    throw error
  }
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    async accessLog() {
      const text = await readFile(path.join(dir, 'access.log'), 'utf8').catch(() => '')
      return text.split('\n').filter(Boolean)
    },
    async stop() {
      // SIGQUIT: nginx's graceful stop, which also removes its pid file; then fcgiwrap.
      await stopChild(nginx)
      await stopChild(fcgiwrap, true)
      await rm(dir, { recursive: true, force: true })
    },
  }
}

export interface Tinyproxy {
  url: string
  /** tinyproxy's log: CONNECT lines name every tunnel it opened. */
  log(): Promise<string>
  stop(): Promise<void>
}

export async function startTinyproxy(): Promise<Tinyproxy> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pinbot-tinyproxy-'))
  const port = await freePort()
  const conf = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Timeout 60',
    `LogFile "${dir}/tinyproxy.log"`,
    'LogLevel Connect',
    'MaxClients 50',
    'Allow 127.0.0.1',
    // No ConnectPort lines: CONNECT to any port (the test servers use ephemeral ones).
  ].join('\n')
  await writeFile(path.join(dir, 'tinyproxy.conf'), `${conf}\n`)
  const child = spawn('tinyproxy', ['-d', '-c', path.join(dir, 'tinyproxy.conf')], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr!.on('data', (d) => (err += d))
  await waitForPort(port, child, () => `tinyproxy (${err})`)
  return {
    url: `http://127.0.0.1:${port}`,
    log: () => readFile(path.join(dir, 'tinyproxy.log'), 'utf8').catch(() => ''),
    async stop() {
      await stopChild(child)
      await rm(dir, { recursive: true, force: true })
    },
  }
}
