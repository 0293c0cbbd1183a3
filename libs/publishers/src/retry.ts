import { OdtError } from '@odt/cli-kit';
import pRetry from 'p-retry';

/**
 * How a remote step is retried: bounded attempts with exponential backoff (p-retry: factor 2,
 * randomized x1-2, capped), and a wall-clock budget per attempt after which the attempt is
 * cancelled (its requests aborted), not merely abandoned.
 */
export interface RetryPolicy {
  /** Total attempts including the first (bounded: never unlimited). */
  attempts: number;
  /** First backoff delay; each further one doubles, times a random factor in [1, 2). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Wall-clock budget for one attempt; a stalled request is cancelled and retried. */
  attemptTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  attemptTimeoutMs: 120_000,
};

/** Raised when one attempt exceeds its budget; treated like a network timeout. */
export class AttemptTimeout extends Error {
  constructor(readonly step: string, readonly ms: number) {
    super(`${step} took longer than ${ms} ms`);
    this.name = 'AttemptTimeout';
  }
}

/** The reason a whole publish is aborted when its overall timeout passes. */
export class PublishTimeout extends Error {
  constructor(readonly ms: number) {
    super(`the publish did not finish within its timeout of ${ms} ms`);
    this.name = 'PublishTimeout';
  }
}

/** What a step's attempts are tied to. */
export interface RetryHooks {
  /** The whole publish's signal (overall timeout): aborting it cancels the attempt in progress and any backoff wait. */
  signal?: AbortSignal;
  /** Cancels the requests of an attempt given up on (destroys their sockets); called with the reason. */
  cancel?: (reason: unknown) => void;
  onRetry?: (info: { step: string; attempt: number; error: unknown }) => void;
}

/** Runs one attempt under its own AbortSignal: aborted by its timeout or by the outer signal, and then cancelled. */
async function runAttempt<T>(
  step: string,
  policy: RetryPolicy,
  hooks: RetryHooks,
  attempt: number,
  run: (signal: AbortSignal, attempt: number) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const { signal } = controller;
  const timer = setTimeout(() => controller.abort(new AttemptTimeout(step, policy.attemptTimeoutMs)), policy.attemptTimeoutMs);
  const onOuterAbort = () => controller.abort(hooks.signal!.reason);
  hooks.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let onAbort = () => undefined as void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      hooks.cancel?.(signal.reason);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    if (hooks.signal?.aborted) controller.abort(hooks.signal.reason);
    const pending = run(signal, attempt);
    pending.catch(() => undefined); // the cancelled request's own failure arrives after the race is decided
    return await Promise.race([pending, aborted]);
  } finally {
    clearTimeout(timer);
    hooks.signal?.removeEventListener('abort', onOuterAbort);
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Runs one idempotent remote step through p-retry: each attempt gets an AbortSignal (its timeout,
 * or the publish's signal) and is cancelled when it fires; `isRetryable` decides from the error.
 * A non-retryable error is rethrown as is at once; transient failures that outlast the attempts
 * become REMOTE_UNAVAILABLE naming the step; the publish timeout becomes REMOTE_UNAVAILABLE too.
 */
export async function withRetry<T>(
  step: string,
  policy: RetryPolicy,
  isRetryable: (error: unknown) => boolean,
  run: (signal: AbortSignal, attempt: number) => Promise<T>,
  hooks: RetryHooks = {},
): Promise<T> {
  try {
    return await pRetry((attempt) => runAttempt(step, policy, hooks, attempt, run), {
      retries: Math.max(0, policy.attempts - 1),
      factor: 2,
      minTimeout: policy.baseDelayMs,
      maxTimeout: policy.maxDelayMs,
      randomize: true,
      signal: hooks.signal,
      shouldRetry: ({ error }) => isRetryable(error),
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft > 0 && isRetryable(error) && !hooks.signal?.aborted) hooks.onRetry?.({ step, attempt: attemptNumber, error });
      },
    });
  } catch (error) {
    if (error instanceof PublishTimeout) {
      throw new OdtError('REMOTE_UNAVAILABLE', `${step} was cancelled: ${error.message}`, { context: { step, timeoutMs: error.ms }, cause: error });
    }
    if (!isRetryable(error)) throw error;
    throw new OdtError('REMOTE_UNAVAILABLE', `${step} kept failing after ${policy.attempts} attempts`, {
      context: { step, lastError: describeError(error) },
      cause: error,
    });
  }
}

/** A one-line, secret-free description of an error for reports and messages. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${code !== undefined ? `${String(code)}: ` : ''}${error.message}`.slice(0, 300);
  }
  return String(error).slice(0, 300);
}
