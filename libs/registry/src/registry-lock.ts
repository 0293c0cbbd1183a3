import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { OdtError } from '@odt/cli-kit';
import { notWritable } from './registry-errors.ts';

export const LOCK_FILE = '.lock';

interface LockHolder {
  pid: number;
  host: string;
  since: string;
  token: string;
}

/** True when a process with this pid exists on this machine (EPERM still means it exists). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(path: string): Promise<{ raw: string; holder: LockHolder | null } | null> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    return { raw, holder: JSON.parse(raw) as LockHolder };
  } catch {
    return { raw, holder: null };
  }
}

/**
 * Breaks a lock whose holder died. The lock is renamed away (atomic, so two breakers cannot
 * both succeed) and checked to be the same stale content; a fresh lock renamed by mistake
 * is linked back.
 */
async function breakStaleLock(path: string, staleRaw: string): Promise<void> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readFile(aside, 'utf8').catch(() => staleRaw);
  if (moved !== staleRaw) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

/** A held registry lock; release() removes it only if it is still ours. */
export interface RegistryLock {
  release(): Promise<void>;
}

/**
 * Serialises writers of one registry: O_EXCL create of `.lock` holding pid, host and time.
 * Waits while a live holder has it; breaks it when the holder's pid is gone (same host only,
 * or older than `staleAfterMs` on another host). Gives up after `timeoutMs` with REGISTRY_LOCKED.
 */
export async function acquireRegistryLock(
  root: string,
  options: { timeoutMs?: number; staleAfterMs?: number } = {},
): Promise<RegistryLock> {
  const path = join(root, LOCK_FILE);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const staleAfterMs = options.staleAfterMs ?? 10 * 60_000;
  const me: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), token: randomBytes(8).toString('hex') };
  const mine = `${JSON.stringify(me)}\n`;
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o644);
      try {
        await handle.writeFile(mine);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return {
        async release() {
          const current = await readHolder(path);
          if (current?.raw === mine) await unlink(path).catch(() => undefined);
        },
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw notWritable(root, error);
    }
    const current = await readHolder(path);
    if (current) {
      const { holder, raw } = current;
      const age = holder ? Date.now() - Date.parse(holder.since) : Number.POSITIVE_INFINITY;
      const dead = holder === null || (holder.host === hostname() ? !pidAlive(holder.pid) : age > staleAfterMs);
      // A lock whose writer died between create and write is empty; give it a moment first.
      if (dead && (holder !== null || raw.length > 0 || (await olderThan(path, 2_000)))) {
        await breakStaleLock(path, raw);
        continue;
      }
      if (Date.now() > deadline) {
        throw new OdtError('REGISTRY_LOCKED', 'another publisher holds the registry lock', {
          context: { lock: path, holder: holder ?? raw },
        });
      }
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 200);
  }
}

async function olderThan(path: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs > ms;
  } catch {
    return true;
  }
}
