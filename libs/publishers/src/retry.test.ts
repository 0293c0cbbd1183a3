import { isOdtError } from '@odt/cli-kit';
import { describe, expect, it } from 'vitest';
import { openPublishRun } from './publish-run.ts';
import { AttemptTimeout, DEFAULT_RETRY, withRetry } from './retry.ts';

const fast = { ...DEFAULT_RETRY, baseDelayMs: 1, maxDelayMs: 2 };

describe('withRetry (p-retry, one AbortSignal per attempt)', () => {
  it('stops after the bounded number of attempts with REMOTE_UNAVAILABLE, counting retries', async () => {
    let calls = 0;
    let retries = 0;
    const error = await withRetry('step', { ...fast, attempts: 3 }, () => true, async () => {
      calls += 1;
      throw new Error('boom');
    }, { onRetry: () => void (retries += 1) }).catch((e: unknown) => e);
    expect([calls, retries]).toEqual([3, 2]);
    expect(isOdtError(error, 'REMOTE_UNAVAILABLE')).toBe(true);
  });

  it('aborts a stalled attempt through its signal and cancels it; non-retryable errors are rethrown at once', async () => {
    const cancelled: unknown[] = [];
    let sawAbort = false;
    const stalled = await withRetry('stall', { ...fast, attempts: 1, attemptTimeoutMs: 20 }, () => false, (signal) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => {
        sawAbort = true;
        reject(signal.reason);
      })),
      { cancel: (reason) => cancelled.push(reason) },
    ).catch((e: unknown) => e);
    expect(stalled).toBeInstanceOf(AttemptTimeout);
    expect(sawAbort).toBe(true);
    expect(cancelled[0]).toBeInstanceOf(AttemptTimeout);
    let calls = 0;
    await withRetry('fatal', fast, () => false, async () => {
      calls += 1;
      throw new Error('no');
    }).catch(() => undefined);
    expect(calls).toBe(1);
  });

  it('the publish timeout cancels the attempt in progress and ends the step as REMOTE_UNAVAILABLE, no further attempt', async () => {
    const run = openPublishRun(50);
    let calls = 0;
    const started = performance.now();
    const error = await withRetry('upload', { ...fast, attemptTimeoutMs: 10_000 }, () => true, () => {
      calls += 1;
      return new Promise(() => undefined);
    }, { signal: run.signal }).catch((e: unknown) => e);
    run.done();
    expect(isOdtError(error, 'REMOTE_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('timeout of 50 ms');
    expect(calls).toBe(1);
    // Far below the 10 s attempt timeout, so only the 50 ms publish timeout can have ended it.
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
