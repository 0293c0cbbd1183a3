import { OdtError } from '@odt/cli-kit';

/** How a remote step is retried; clock and randomness are injectable so tests run instantly. */
export interface RetryPolicy {
  /** Total attempts including the first (bounded: never unlimited). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Wall-clock budget for one attempt; a stalled request counts as a timeout and is retried. */
  attemptTimeoutMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  attemptTimeoutMs: 120_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** Raised when one attempt exceeds its budget; treated like a network timeout. */
export class AttemptTimeout extends Error {
  constructor(readonly step: string, readonly ms: number) {
    super(`${step} took longer than ${ms} ms`);
    this.name = 'AttemptTimeout';
  }
}

/** Full-jitter exponential backoff: uniform in [0, min(max, base * 2^attempt)]. */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(policy.random() * ceiling);
}

function withTimeout<T>(promise: Promise<T>, step: string, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AttemptTimeout(step, ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs one idempotent remote step with bounded, jittered retries. `isRetryable` decides from
 * the error; anything else (and the last failure) is rethrown as is, or, when all attempts
 * failed on transient errors, as REMOTE_UNAVAILABLE naming the step.
 */
export async function withRetry<T>(
  step: string,
  policy: RetryPolicy,
  isRetryable: (error: unknown) => boolean,
  run: (attempt: number) => Promise<T>,
  onRetry?: (info: { step: string; attempt: number; delayMs: number; error: unknown }) => void,
): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < policy.attempts; attempt++) {
    try {
      const pending = run(attempt);
      pending.catch(() => undefined); // an abandoned (timed-out) attempt must not crash the process later
      return await withTimeout(pending, step, policy.attemptTimeoutMs);
    } catch (error) {
      lastError = error;
      if (!isRetryable(error)) throw error;
      if (attempt === policy.attempts - 1) break;
      const delayMs = backoffDelay(policy, attempt);
      onRetry?.({ step, attempt, delayMs, error });
      await policy.sleep(delayMs);
    }
  }
  throw new OdtError('REMOTE_UNAVAILABLE', `${step} kept failing after ${policy.attempts} attempts`, {
    context: { step, lastError: describeError(lastError) },
    cause: lastError,
  });
}

/** A one-line, secret-free description of an error for reports and messages. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${code !== undefined ? `${String(code)}: ` : ''}${error.message}`.slice(0, 300);
  }
  return String(error).slice(0, 300);
}
