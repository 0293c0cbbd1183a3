import { isOdtError } from '@odt/cli-kit';
import { describe, expect, it } from 'vitest';
import { AttemptTimeout, backoffDelay, DEFAULT_RETRY, withRetry } from './retry.ts';

describe('withRetry', () => {
  it('keeps full-jitter delays inside [0, min(max, base*2^n)]', () => {
    const policy = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999 };
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay({ ...policy, random: () => 0 }, 3)).toBe(0);
  });

  it('stops after the bounded number of attempts with REMOTE_UNAVAILABLE', async () => {
    let calls = 0;
    const sleeps: number[] = [];
    const error = await withRetry('step', { ...DEFAULT_RETRY, attempts: 3, sleep: async (ms) => void sleeps.push(ms), random: () => 1 }, () => true, async () => {
      calls += 1;
      throw new Error('boom');
    }).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(sleeps).toEqual([500, 1000]);
    expect(isOdtError(error, 'REMOTE_UNAVAILABLE')).toBe(true);
  });

  it('turns a stalled attempt into AttemptTimeout and rethrows non-retryable errors at once', async () => {
    const stalled = await withRetry('stall', { ...DEFAULT_RETRY, attempts: 1, attemptTimeoutMs: 20 }, () => false, () => new Promise(() => undefined)).catch((e: unknown) => e);
    expect(stalled).toBeInstanceOf(AttemptTimeout);
    let calls = 0;
    await withRetry('fatal', DEFAULT_RETRY, () => false, async () => {
      calls += 1;
      throw new Error('no');
    }).catch(() => undefined);
    expect(calls).toBe(1);
  });
});
