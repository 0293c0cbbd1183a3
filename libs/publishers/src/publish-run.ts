import { PublishTimeout } from './retry.ts';

/** Default budget for one whole publish (uploads, validation, publish). */
export const DEFAULT_PUBLISH_TIMEOUT_MS = 15 * 60_000;

/**
 * The overall AbortSignal of one publish: aborted with PublishTimeout when `timeoutMs` passes,
 * which cancels the attempt in progress (its requests) and any backoff wait. The timer is
 * unref'd and cleared by `done()`, so it never keeps the process alive.
 */
export function openPublishRun(timeoutMs: number = DEFAULT_PUBLISH_TIMEOUT_MS): { signal: AbortSignal; done(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new PublishTimeout(timeoutMs)), timeoutMs);
  timer.unref();
  return { signal: controller.signal, done: () => clearTimeout(timer) };
}
