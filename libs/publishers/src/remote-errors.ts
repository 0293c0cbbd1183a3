import { OdtError } from '@odt/cli-kit';
import { AttemptTimeout, describeError, PublishTimeout } from './retry.ts';

/** Which API a step talks to: their errors arrive in different shapes. */
export type RemoteService = 'firebase-ml' | 'storage';

/** What a failed step knew when it failed, for classification and for the message. */
export interface FailureContext {
  service: RemoteService;
  /** HTTP status of the last Firebase ML answer (firebase-admin's error drops it). */
  mlStatus?: number;
  projectId?: string;
  bucket?: string;
  account?: string;
}

export const ROLES = {
  ml: 'Firebase ML Admin (roles/firebaseml.admin)',
  storage: 'Storage Object Admin (roles/storage.objectAdmin)',
  tokenCreator: 'Service Account Token Creator (roles/iam.serviceAccountTokenCreator)',
} as const;

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_NET = new Set(['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EPIPE', 'ECONNABORTED', 'EAI_AGAIN']);
/**
 * firebase-admin ML codes a retry can cure. Codes from failed operations (fromOperationError)
 * are exact; HTTP errors are mapped only for INVALID_ARGUMENT, NOT_FOUND, RESOURCE_EXHAUSTED,
 * UNAUTHENTICATED, UNKNOWN (ERROR_CODE_MAPPING), everything else is `unknown-error` and is
 * classified by the HTTP status the session's agent saw (429, 500, 502, 503, 504 are transient).
 */
const TRANSIENT_ML = new Set(['machine-learning/resource-exhausted', 'machine-learning/service-unavailable', 'machine-learning/internal-error', 'machine-learning/deadline-exceeded', 'machine-learning/aborted']);
const AUTH_FIREBASE = new Set(['machine-learning/authentication-error', 'machine-learning/unauthenticated', 'app/invalid-credential']);

function codeOf(error: unknown): unknown {
  return (error as { code?: unknown } | undefined)?.code;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** HTTP status of a Storage client error (ApiError.code or a gaxios response), if any. */
export function httpStatusOf(error: unknown): number | undefined {
  const code = codeOf(error);
  if (typeof code === 'number') return code;
  const status = (error as { response?: { status?: unknown } } | undefined)?.response?.status;
  return typeof status === 'number' ? status : undefined;
}

/** The socket error code: the error's own, or the one firebase-admin writes into app/network-error messages. */
function networkCode(error: unknown): string | undefined {
  const code = codeOf(error);
  if (typeof code === 'string' && /^E[A-Z_]+$|^ABORT_ERR$/.test(code)) return code;
  return /Error code: ([A-Z_]+)/.exec(messageOf(error))?.[1];
}

/** True when the access token or credential was refused (401, or firebase-admin's auth codes). */
export function isAuthFailure(error: unknown, context?: FailureContext): boolean {
  const code = codeOf(error);
  if (typeof code === 'string' && AUTH_FIREBASE.has(code)) return !isSigningFailure(error);
  if (code === 'machine-learning/unknown-error' && context?.mlStatus === 401) return true;
  return httpStatusOf(error) === 401;
}

/** A credential that cannot sign the URL firebase-admin makes of `gcsTfliteUri`. */
export function isSigningFailure(error: unknown): boolean {
  return /Cannot sign data without `?client_email|signBlob|iam\.serviceAccounts\.signBlob|signBytes/i.test(messageOf(error));
}

/** Missing role, wrong project or disabled API: 403 / PERMISSION_DENIED, however the client reports it. */
export function isPermissionFailure(error: unknown, context?: FailureContext): boolean {
  const code = codeOf(error);
  if (code === 'machine-learning/permission-denied') return true;
  if (code === 'machine-learning/unknown-error' && context?.mlStatus === 403) return true;
  return context?.service === 'storage' && httpStatusOf(error) === 403;
}

/** True for failures a retry can cure and that no lower layer has retried already. */
export function isTransient(error: unknown, context: FailureContext = { service: 'storage' }): boolean {
  if (error instanceof OdtError || error instanceof PublishTimeout) return false;
  if (error instanceof AttemptTimeout) return true;
  const code = codeOf(error);
  const net = networkCode(error);
  if (net === 'ABORT_ERR') return false;
  if (context.service === 'firebase-ml') {
    if (typeof code === 'string' && TRANSIENT_ML.has(code)) return true;
    // firebase-admin's own re-sends are off (firebase-session.ts): this is the one layer.
    if (code === 'machine-learning/unknown-error') return context.mlStatus !== undefined && TRANSIENT_STATUS.has(context.mlStatus);
    if (net) return TRANSIENT_NET.has(net);
    return /socket hang up/i.test(messageOf(error));
  }
  if (net && TRANSIENT_NET.has(net)) return true;
  const status = httpStatusOf(error);
  if (status !== undefined) return TRANSIENT_STATUS.has(status);
  return /socket hang up/i.test(messageOf(error));
}

/** Turns whatever the SDK threw into the one OdtError a person sees (never including secrets). */
export function toOdtError(error: unknown, step: string, context: FailureContext = { service: 'storage' }): OdtError {
  if (error instanceof OdtError) return error;
  const answer = describeError(error);
  const who = context.account ? `the account ${context.account}` : 'the credential';
  if (isSigningFailure(error)) {
    return new OdtError('CREDENTIALS', `firebase-admin could not sign the model file's URL for Firebase ML during "${step}"`, {
      context: { step, answer },
      suggestion: `Use a service-account key (--service-account or GOOGLE_APPLICATION_CREDENTIALS), or, when impersonating a service account, grant ${who} the ${ROLES.tokenCreator} role on it (iam.serviceAccounts.signBlob).`,
      cause: error,
    });
  }
  if (isPermissionFailure(error, context)) {
    const ml = context.service === 'firebase-ml';
    const where = ml ? `project ${context.projectId ?? '(unknown)'}` : `bucket ${context.bucket ?? '(unknown)'}`;
    return new OdtError('CREDENTIALS', `Permission denied during "${step}": ${who} lacks ${ml ? ROLES.ml : ROLES.storage} on ${where}`, {
      context: { step, answer, role: ml ? 'roles/firebaseml.admin' : 'roles/storage.objectAdmin' },
      suggestion: ml
        ? `Grant ${who} the ${ROLES.ml} role in ${where} (and ${ROLES.storage} on the bucket), and check that --project names the Firebase project and that the Firebase ML API is enabled there.`
        : `Grant ${who} the ${ROLES.storage} role on the bucket ${context.bucket ?? ''}, and check that --bucket names the Firebase project's bucket.`,
      cause: error,
    });
  }
  if (isAuthFailure(error, context)) {
    return new OdtError('CREDENTIALS', `The service refused the credential during "${step}"`, {
      context: { step, answer },
      suggestion: `Check that the key is current (not revoked or disabled) and the clock is right, then re-run. Roles needed: ${ROLES.ml} (firebase-ml) and ${ROLES.storage} on the bucket.`,
      cause: error,
    });
  }
  return new OdtError('REMOTE_REJECTED', `The service refused "${step}"`, { context: { step, answer }, cause: error });
}
