import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Bucket } from '@google-cloud/storage';
import { OdtError } from '@odt/cli-kit';
import { objectInfo, putIfGeneration, statusOf } from './bucket-objects.ts';
import type { StoreLock } from './registry-store.ts';

/** How long a bucket lock lives without a heartbeat: MODEL_REGISTRY_LOCK_STALE_MS, else 30 s. */
export function bucketLockStaleMs(env: NodeJS.ProcessEnv = process.env): number {
  const ms = Number(env.MODEL_REGISTRY_LOCK_STALE_MS ?? 30_000);
  return Number.isFinite(ms) && ms >= 500 ? ms : 30_000;
}

/**
 * A writer lock in a bucket: the object `.lock`, created only if absent (ifGenerationMatch=0) and
 * rewritten every stale/4 with a precondition on its own generation (the heartbeat). A waiter that
 * sees the same generation for the holder's declared stale period on its own clock deletes exactly that
 * generation, so two breakers cannot remove a newer lock, and a holder whose heartbeat failed or
 * came late knows it lost the lock before it commits. Clock differences between machines do not
 * matter: only generations and the waiter's own elapsed time are compared.
 */
export async function acquireBucketLock(bucket: Bucket, path: string, options: { timeoutMs?: number; staleAfterMs?: number } = {}): Promise<StoreLock> {
  const staleAfterMs = options.staleAfterMs ?? bucketLockStaleMs();
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const holder = { host: hostname(), pid: process.pid, token: randomBytes(8).toString('hex'), since: new Date().toISOString(), staleAfterMs };
  let watched: { generation: string; since: number; staleAfterMs: number } | null = null;
  let delay = 50;
  for (;;) {
    const created = await putIfGeneration(bucket, path, Buffer.from(`${JSON.stringify({ ...holder, beat: 0 })}\n`), '0', 'application/json');
    if (created !== 'conflict') return holdBucketLock(bucket, path, holder, created, staleAfterMs);
    const current = await objectInfo(bucket, path);
    if (current) {
      const seen = watched as { generation: string; since: number; staleAfterMs: number } | null;
      if (seen?.generation !== current.generation) {
        watched = { generation: current.generation, since: performance.now(), staleAfterMs: await declaredStaleMs(bucket, path, staleAfterMs) };
      } else if (performance.now() - seen.since > seen.staleAfterMs) {
        await bucket.file(path).delete({ ifGenerationMatch: Number(current.generation) }).catch((error: unknown) => {
          if (statusOf(error) !== 412 && statusOf(error) !== 404) throw error;
        });
        watched = null;
        continue;
      }
    }
    if (Date.now() > deadline) {
      throw new OdtError('REGISTRY_LOCKED', 'another publisher holds the bucket registry lock', {
        context: { lock: `gs://${bucket.name}/${path}`, generation: current?.generation ?? 'gone' },
        suggestion: `Wait for it; a lock whose holder died is broken after ${staleAfterMs / 1000} s without a heartbeat.`,
      });
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 500);
  }
}

/** The stale period the holder declared in its lock object (bounded), else ours. */
async function declaredStaleMs(bucket: Bucket, path: string, fallback: number): Promise<number> {
  try {
    const [bytes] = await bucket.file(path).download();
    const declared = Number((JSON.parse(bytes.toString('utf8')) as { staleAfterMs?: unknown }).staleAfterMs);
    return Number.isFinite(declared) && declared >= 500 && declared <= 600_000 ? declared : fallback;
  } catch {
    return fallback;
  }
}

function holdBucketLock(bucket: Bucket, path: string, holder: Record<string, unknown>, firstGeneration: string, staleAfterMs: number): StoreLock {
  let generation = firstGeneration;
  let lastBeat = performance.now();
  let beats = 0;
  let lost: string | null = null;
  let pending: Promise<void> = Promise.resolve();
  const beat = () => {
    pending = pending.then(async () => {
      if (lost) return;
      const issued = performance.now();
      try {
        beats += 1;
        const next = await putIfGeneration(bucket, path, Buffer.from(`${JSON.stringify({ ...holder, beat: beats })}\n`), generation, 'application/json');
        if (next === 'conflict') lost = 'the lock object was replaced or deleted';
        else if (issued - lastBeat > staleAfterMs) lost = 'a heartbeat came a whole stale period late';
        else {
          generation = next;
          lastBeat = issued;
        }
      } catch (error) {
        if (performance.now() - lastBeat > staleAfterMs) lost = `heartbeats failed for a whole stale period (${(error as Error).message})`;
      }
    });
    return pending;
  };
  const timer = setInterval(() => void beat(), Math.max(100, staleAfterMs / 4));
  timer.unref();
  return {
    async assertHeld() {
      await beat();
      if (lost) {
        throw new OdtError('REGISTRY_LOCKED', `this writer lost the bucket registry lock before committing (${lost}); nothing was committed`, {
          context: { lock: `gs://${bucket.name}/${path}` },
          suggestion: 'Re-run; the next writer removes anything this one left.',
        });
      }
    },
    async release() {
      clearInterval(timer);
      await pending;
      if (!lost) await bucket.file(path).delete({ ifGenerationMatch: Number(generation) }).catch(() => undefined);
    },
  };
}
