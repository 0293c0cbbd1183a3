import { OdtError } from '@odt/cli-kit';
import { AttemptTimeout, describeError } from './retry.ts';

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_NET = new Set(['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EPIPE', 'ECONNABORTED', 'EAI_AGAIN']);
/** firebase-admin error codes that mean "try again": it maps 429 to resource-exhausted and leaves 5xx as unknown/internal. */
const TRANSIENT_FIREBASE = new Set([
  'machine-learning/resource-exhausted',
  'machine-learning/service-unavailable',
  'machine-learning/deadline-exceeded',
  'machine-learning/aborted',
  'machine-learning/internal-error',
  'machine-learning/unknown-error',
  'app/network-error',
  'app/network-timeout',
]);
const AUTH_FIREBASE = new Set(['machine-learning/authentication-error', 'machine-learning/unauthenticated', 'app/invalid-credential']);

function codeOf(error: unknown): unknown {
  return (error as { code?: unknown } | undefined)?.code;
}

/** HTTP status of a Storage client error (ApiError.code or a gaxios response), if any. */
export function httpStatusOf(error: unknown): number | undefined {
  const code = codeOf(error);
  if (typeof code === 'number') return code;
  const status = (error as { response?: { status?: unknown } } | undefined)?.response?.status;
  return typeof status === 'number' ? status : undefined;
}

/** True when the access token or credential was refused (401/403 or firebase-admin's auth codes). */
export function isAuthFailure(error: unknown): boolean {
  const code = codeOf(error);
  if (typeof code === 'string' && AUTH_FIREBASE.has(code)) return true;
  const status = httpStatusOf(error);
  return status === 401;
}

/** True for failures a retry can cure: 408/429/5xx, resets, timeouts, stalled attempts. */
export function isTransient(error: unknown): boolean {
  if (error instanceof OdtError) return false;
  if (error instanceof AttemptTimeout) return true;
  const code = codeOf(error);
  if (typeof code === 'string' && (TRANSIENT_FIREBASE.has(code) || TRANSIENT_NET.has(code))) return true;
  const status = httpStatusOf(error);
  if (status !== undefined) return TRANSIENT_STATUS.has(status);
  const message = error instanceof Error ? error.message : '';
  return /socket hang up|ECONNRESET|network|timeout/i.test(message);
}

/** Turns whatever the SDK threw into the one OdtError a person sees (never including secrets). */
export function toOdtError(error: unknown, step: string): OdtError {
  if (error instanceof OdtError) return error;
  if (isAuthFailure(error)) {
    return new OdtError('CREDENTIALS', `The service refused the credential during "${step}"`, {
      context: { step, answer: describeError(error) },
      suggestion: 'Check that the service account key is current (not revoked) and has the Firebase ML Admin and Storage Object Admin roles; then re-run.',
      cause: error,
    });
  }
  return new OdtError('REMOTE_REJECTED', `The service refused "${step}"`, { context: { step, answer: describeError(error) }, cause: error });
}
