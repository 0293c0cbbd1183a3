import { readFileSync, readlinkSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rename, rm, rmdir, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { OdtError } from '@odt/cli-kit';
import { notWritable } from './registry-errors.ts';

// The lock is a folder, `.lock/`, holding one file `holder-<token>.json`. Each writer builds a
// complete candidate folder beside it and renames it onto `.lock`: rename(2) fails on an
// existing non-empty folder, so exactly one candidate wins, and only a folder already empty
// (a holder gone) is replaced. Everything below removes files by their token name, never
// "whatever is at .lock", so no check-then-delete can remove another writer's lock.

/** The lock folder at the registry root (README "Layout on disk"); present only while a writer works. */
export const LOCK_FILE = '.lock';
/** Prefix of the lock protocol's own debris beside `.lock` (candidates of killed waiters); the cleaner removes it. */
export const LOCK_DEBRIS_PREFIX = '.lock.';
/** Default time without a heartbeat after which a holder counts as gone (its process is frozen or on a dead host). */
export const DEFAULT_STALE_AFTER_MS = 30_000;
/** Room the lock's holder file takes while a writer works: part of what a nearly full disk must hold. */
export const LOCK_HOLDER_BYTES = 256;
const MIN_STALE_AFTER_MS = 1_000;
const HOLDER_FILE = /^holder-[0-9a-f]+\.json$/;

interface LockHolder {
  pid: number;
  host: string;
  /** Boot id and pid namespace: a pid is only meaningful within the same ones. */
  scope?: string;
  since: string;
  token: string;
  /** The holder's own stale period; waiters honour it. */
  staleAfterMs?: number;
}

/** What a waiter sees at `.lock`: nothing, a holder file (or a pre-heartbeat `.lock` file), or a folder it cannot read. */
type Seen =
  | { kind: 'free' }
  | { kind: 'held'; file: string; format: 'folder' | 'legacy-file'; raw: string; holder: LockHolder | null; mtimeMs: number }
  | { kind: 'unknown'; entries: string[] };

const errno = (error: unknown) => (error as NodeJS.ErrnoException)?.code;
const readOr = (read: () => string) => {
  try {
    return read().trim();
  } catch {
    return '';
  }
};
const SCOPE = `${readOr(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'))}/${readOr(() => readlinkSync('/proc/self/ns/pid'))}`;

/** True when a process with this pid exists here (EPERM still means it exists). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errno(error) === 'EPERM';
  }
}

/** A holder's pid can be checked only on the same host, boot and pid namespace (a legacy lock names only its host). */
function holderIsDeadHere(holder: LockHolder | null): boolean {
  if (!holder || !Number.isInteger(holder.pid) || holder.host !== hostname()) return false;
  if (holder.scope !== undefined && holder.scope !== SCOPE) return false;
  return !pidAlive(holder.pid);
}

function parseHolder(raw: string): LockHolder | null {
  try {
    const value = JSON.parse(raw) as LockHolder;
    return typeof value === 'object' && value !== null ? value : null;
  } catch {
    return null;
  }
}

async function observe(lockPath: string): Promise<Seen> {
  let info;
  try {
    info = await lstat(lockPath);
  } catch (error) {
    if (errno(error) === 'ENOENT') return { kind: 'free' };
    throw error;
  }
  let file = lockPath;
  let format: 'folder' | 'legacy-file' = 'legacy-file';
  if (info.isDirectory()) {
    const entries = await readdir(lockPath).catch(() => [] as string[]);
    const holderName = entries.find((entry) => HOLDER_FILE.test(entry));
    if (!holderName) return entries.length === 0 ? { kind: 'free' } : { kind: 'unknown', entries };
    file = join(lockPath, holderName);
    format = 'folder';
  }
  try {
    const [raw, stats] = await Promise.all([readFile(file, 'utf8'), lstat(file)]);
    return { kind: 'held', file, format, raw, holder: parseHolder(raw), mtimeMs: stats.mtimeMs };
  } catch (error) {
    if (errno(error) === 'ENOENT' || errno(error) === 'EISDIR') return { kind: 'free' }; // changed under us; look again
    throw error;
  }
}

/** Measures, on this process's monotonic clock, how long one holder's heartbeat has not moved. */
class HeartbeatWatch {
  private key = '';
  private since = 0;
  unchangedForMs(seen: Extract<Seen, { kind: 'held' }>): number {
    const key = `${seen.file}\n${seen.mtimeMs}\n${seen.raw}`;
    if (key !== this.key) [this.key, this.since] = [key, performance.now()];
    return performance.now() - this.since;
  }
}

/**
 * Removes a dead holder's lock. A folder lock loses exactly the holder file we judged (by its
 * token name, after re-checking its heartbeat did not move), so racing breakers cannot remove a
 * newer lock; the emptied folder is then taken by whichever candidate renames onto it first.
 * A pre-heartbeat `.lock` file is unlinked, which cannot remove a folder lock.
 */
async function breakLock(seen: Extract<Seen, { kind: 'held' }>): Promise<void> {
  if (seen.format === 'folder') {
    const now = await lstat(seen.file).catch(() => null);
    if (!now || now.mtimeMs !== seen.mtimeMs) return;
  }
  await unlink(seen.file).catch((error) => (['ENOENT', 'EISDIR', 'EPERM'].includes(errno(error) ?? '') ? undefined : Promise.reject(error)));
}

/** A held registry lock. */
export interface RegistryLock {
  /** Refreshes the heartbeat and fails with REGISTRY_LOCKED if the lock was taken over; call right before committing. */
  assertHeld(): Promise<void>;
  /** Removes our own holder file (by token) and the folder if it is empty; never touches another writer's lock. */
  release(): Promise<void>;
}

function lostLock(lockPath: string, reason: string, staleAfterMs: number): OdtError {
  return new OdtError('REGISTRY_LOCKED', `this writer lost the registry lock before committing (${reason}); nothing was committed`, {
    context: { lock: lockPath, staleAfterMs },
    suggestion: `Another writer may have taken over after this one went ${staleAfterMs / 1000} s without refreshing the lock (suspended or overloaded). Re-run; the next writer removes anything this one left.`,
  });
}

/**
 * Keeps a lock alive: touches the holder file every stale/4 and notes when it could not. A
 * refresh that comes a whole stale period after the previous one means a waiter may already
 * have judged us gone, so the lock counts as lost even if the file is still there.
 */
function holdLock(lockPath: string, holderFile: string, staleAfterMs: number): RegistryLock {
  let lastRefresh = performance.now();
  let lost: string | null = null;
  let released = false;
  let pending: Promise<void> = Promise.resolve();
  const refreshOnce = async () => {
    if (lost || released) return;
    const issued = performance.now();
    try {
      const at = new Date();
      await utimes(holderFile, at, at);
    } catch (error) {
      if (errno(error) === 'ENOENT') lost = 'another writer broke it';
      else if (performance.now() - lastRefresh >= staleAfterMs) lost = `its heartbeat failed (${errno(error) ?? String(error)})`;
      return;
    }
    if (performance.now() - lastRefresh >= staleAfterMs) lost = `its heartbeat stalled for ${Math.round(performance.now() - lastRefresh)} ms`;
    else lastRefresh = issued;
  };
  const refresh = () => (pending = pending.then(refreshOnce));
  let timer: NodeJS.Timeout;
  const beat = () => {
    timer = setTimeout(() => void refresh().then(() => !lost && !released && beat()), staleAfterMs / 4);
    timer.unref();
  };
  beat();
  return {
    async assertHeld() {
      await refresh();
      if (lost) throw lostLock(lockPath, lost, staleAfterMs);
    },
    async release() {
      if (released) return;
      released = true;
      clearTimeout(timer);
      await pending;
      await unlink(holderFile).catch(() => undefined);
      await rmdir(lockPath).catch(() => undefined); // ENOTEMPTY: the next writer already took it
    },
  };
}

function describeHolder(seen: Seen): string {
  if (seen.kind === 'unknown') return `an unreadable lock folder holding ${seen.entries.join(', ')}`;
  if (seen.kind === 'free' || !seen.holder) return 'a writer that left no details';
  const { pid, host, since } = seen.holder;
  return `pid ${pid} on ${host} since ${since}`;
}

function registryLocked(lockPath: string, seen: Seen, staleAfterMs: number): OdtError {
  const holder = seen.kind === 'held' ? (seen.holder ?? seen.raw) : seen;
  const heartbeat = seen.kind === 'held' ? new Date(seen.mtimeMs).toISOString() : undefined;
  return new OdtError('REGISTRY_LOCKED', `the registry is locked by ${describeHolder(seen)}`, {
    context: { lock: lockPath, holder, ...(heartbeat ? { lastHeartbeat: heartbeat } : {}) },
    suggestion:
      `Wait for that writer to finish and re-run. If it is gone (killed on another machine), remove the lock with \`rm -r ${lockPath}\`; ` +
      `a lock whose process died on this machine, or whose heartbeat stopped for ${staleAfterMs / 1000} s, is removed automatically.`,
  });
}

/** Builds a complete candidate lock folder; a holder's cleaner may remove it meanwhile, so that is retried. */
async function prepareCandidate(root: string, holder: LockHolder): Promise<{ dir: string; holderName: string }> {
  const holderName = `holder-${holder.token}.json`;
  for (let attempt = 1; ; attempt += 1) {
    const dir = join(root, `${LOCK_DEBRIS_PREFIX}new-${holder.token}-${randomBytes(3).toString('hex')}`);
    await mkdir(dir);
    try {
      await writeFile(join(dir, holderName), `${JSON.stringify(holder)}\n`);
      return { dir, holderName };
    } catch (error) {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      if (errno(error) !== 'ENOENT' || attempt >= 5) throw error;
    }
  }
}

/**
 * Serialises writers of one registry (see the protocol note at the top). Waits while a live
 * holder refreshes its heartbeat; breaks the lock when the holder's pid is gone from this
 * machine, or when its heartbeat has not moved for its stale period. Gives up after `timeoutMs`
 * with REGISTRY_LOCKED naming the holder.
 */
export async function acquireRegistryLock(root: string, options: { timeoutMs?: number; staleAfterMs?: number } = {}): Promise<RegistryLock> {
  const lockPath = join(root, LOCK_FILE);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const staleAfterMs = Math.max(options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS, MIN_STALE_AFTER_MS);
  const token = randomBytes(8).toString('hex');
  const me: LockHolder = { pid: process.pid, host: hostname(), scope: SCOPE, since: new Date().toISOString(), token, staleAfterMs };
  const started = performance.now();
  const watch = new HeartbeatWatch();
  let candidate: { dir: string; holderName: string } | null = null;
  try {
    for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
      candidate ??= await prepareCandidate(root, me);
      try {
        await rename(candidate.dir, lockPath);
        return holdLock(lockPath, join(lockPath, candidate.holderName), staleAfterMs);
      } catch (error) {
        const code = errno(error);
        if (code === 'ENOENT') candidate = null; // a holder's cleaner removed it; build a new one
        else if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR' && code !== 'EISDIR') throw error;
      }
      const seen = await observe(lockPath);
      if (seen.kind === 'held') {
        const declared = Number(seen.holder?.staleAfterMs);
        const period = Number.isFinite(declared) && declared >= MIN_STALE_AFTER_MS ? declared : staleAfterMs;
        if (holderIsDeadHere(seen.holder) || watch.unchangedForMs(seen) >= period) {
          await breakLock(seen);
          continue;
        }
      }
      if (performance.now() - started > timeoutMs) throw registryLocked(lockPath, seen, staleAfterMs);
      // Freed meanwhile: retry almost at once; otherwise back off up to 200 ms, with jitter.
      await sleep(seen.kind === 'free' ? Math.random() * 5 : delay + Math.random() * delay);
    }
  } catch (error) {
    if (candidate) await rm(candidate.dir, { recursive: true, force: true }).catch(() => undefined);
    throw error instanceof OdtError ? error : notWritable(root, error);
  }
}
