/**
 * The in-memory repository filesystem: lightning-fs's engine (CacheFS over a
 * MemoryBackend db), fresh for each repository.
 *
 * Why not `new LightningFS(name, { db })` as documented: its PromisifiedFS wrapper takes
 * a cross-tab lock through `navigator.locks` (absent on Node 20), starts a 10-minute
 * timer on every lock wait that is never cleared, and schedules 500 ms
 * deactivation/superblock timers after every operation. A process that used it lingers.
 * We drive lightning-fs's DefaultBackend directly: the same storage and path semantics,
 * no locks (an FS here is never shared between processes), no timers.
 */
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

interface LightningBackend {
  init(name: string, options: { db: unknown }): Promise<void>
  activate(): Promise<void>
  _mutex: unknown
  readFile(path: string, opts: { encoding?: string }): Promise<Uint8Array | string>
  writeFile(path: string, data: Uint8Array | string, opts: { mode?: number; encoding?: string }): Promise<void>
  unlink(path: string, opts: object): Promise<void>
  readdir(path: string, opts: object): string[]
  mkdir(path: string, opts: { mode?: number }): void
  rmdir(path: string, opts: object): void
  rename(from: string, to: string): void
  stat(path: string, opts: object): unknown
  lstat(path: string, opts: object): unknown
  readlink(path: string, opts: object): string
  symlink(target: string, path: string): void
  chmod(path: string, mode: number): void
}

type Opts = string | { encoding?: string; mode?: number } | undefined

/** The promise-style fs that isomorphic-git accepts as `fs`. */
export interface MemoryFs {
  promises: {
    readFile(path: string, opts?: Opts): Promise<Uint8Array | string>
    writeFile(path: string, data: Uint8Array | string, opts?: Opts): Promise<void>
    unlink(path: string): Promise<void>
    readdir(path: string): Promise<string[]>
    mkdir(path: string, opts?: Opts): Promise<void>
    rmdir(path: string): Promise<void>
    rename(from: string, to: string): Promise<void>
    stat(path: string): Promise<unknown>
    lstat(path: string): Promise<unknown>
    readlink(path: string): Promise<string>
    symlink(target: string, path: string): Promise<void>
    chmod(path: string, mode: number): Promise<void>
  }
}

const lightning = {
  DefaultBackend: require('@isomorphic-git/lightning-fs/src/DefaultBackend.js') as new () => LightningBackend,
  MemoryBackend: require('@isomorphic-git/lightning-fs/src/MemoryBackend.js') as new () => unknown,
  normalize: (require('@isomorphic-git/lightning-fs/src/path.js') as { normalize(p: string): string }).normalize,
  Stat: require('@isomorphic-git/lightning-fs/src/Stat.js') as new (data: unknown) => unknown,
}

/** A lock that is always held: an in-memory FS belongs to one process and one repo. */
const HELD_LOCK = { has: async () => true, acquire: async () => true, wait: async () => true, release: async () => {} }

/**
 * DefaultBackend.init reads `navigator.locks` (browser API, missing on Node 20) only to
 * choose a lock implementation, which we then replace; this shim just lets init run.
 */
function ensureNavigatorLocks(): void {
  const g = globalThis as { navigator?: { locks?: unknown } }
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true })
  if (!g.navigator!.locks) {
    g.navigator!.locks = { request: async (_name: string, ...rest: unknown[]) => (rest.pop() as (lock: object) => unknown)({}) }
  }
}

function toOptions(opts: Opts): { encoding?: string; mode?: number } {
  return typeof opts === 'string' ? { encoding: opts } : (opts ?? {})
}

/** Absolute, no empty, "." or ".." segments, no trailing slash: normalize would return it unchanged. */
const NORMAL_PATH = /^(?:\/(?!\.\.?(?:\/|$))[^/]+)+$/

function normalize(path: string): string {
  return NORMAL_PATH.test(path) ? path : lightning.normalize(path)
}

/**
 * isomorphic-git probes many paths that do not exist; lightning-fs throws an ENOENT for
 * each, and capturing their stack traces was the largest single CPU cost of a remote pin.
 * Nobody reads those stacks (the callers test `code`), so they are built without one.
 */
function withoutStacks<T>(operation: () => T): T {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return operation()
  } finally {
    Error.stackTraceLimit = limit
  }
}

/**
 * isomorphic-git calls `readFile()` with no path twice per API call, only to see whether it
 * answers with a promise. Answering from lightning-fs cost more CPU than any file a pin
 * reads (its path code throws on `undefined`); this answers at once, with one shared error.
 */
const NO_PATH = Object.assign(new TypeError('readFile needs a path'), { code: 'EINVAL' })

let counter = 0

export async function createMemoryFs(name = 'repo'): Promise<MemoryFs> {
  ensureNavigatorLocks()
  const backend = new lightning.DefaultBackend()
  await backend.init(`${name}-${++counter}`, { db: new lightning.MemoryBackend() })
  backend._mutex = HELD_LOCK
  await backend.activate()
  const p = normalize
  const q = withoutStacks
  return {
    promises: {
      readFile: async (path, opts) => {
        if (typeof path !== 'string') throw NO_PATH
        return q(() => backend.readFile(p(path), toOptions(opts)))
      },
      writeFile: async (path, data, opts) => q(() => backend.writeFile(p(path), data, toOptions(opts))),
      unlink: async (path) => q(() => backend.unlink(p(path), {})),
      readdir: async (path) => q(() => backend.readdir(p(path), {})),
      mkdir: async (path, opts) => q(() => backend.mkdir(p(path), toOptions(opts))),
      rmdir: async (path) => q(() => backend.rmdir(p(path), {})),
      rename: async (from, to) => q(() => backend.rename(p(from), p(to))),
      stat: async (path) => new lightning.Stat(q(() => backend.stat(p(path), {}))),
      lstat: async (path) => new lightning.Stat(q(() => backend.lstat(p(path), {}))),
      readlink: async (path) => q(() => backend.readlink(p(path), {})),
      symlink: async (target, path) => q(() => backend.symlink(target, p(path))),
      chmod: async (path, mode) => q(() => backend.chmod(p(path), mode)),
    },
  }
}
