import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { OdtError } from '@odt/cli-kit';

const ACCEPTED_TYPES = new Set(['service_account', 'authorized_user', 'external_account', 'impersonated_service_account']);

/** Where the credential comes from; `option` means an explicit key file path. */
export interface ResolvedCredentials {
  source: 'option' | 'GOOGLE_APPLICATION_CREDENTIALS' | 'gcloud-adc';
  path: string;
  type: string;
  /** From a service-account key; used when no project is given. */
  projectId?: string;
  /** The service account acting (a key's client_email, or the one impersonated), for messages. */
  account?: string;
  /** How firebase-admin can sign the `gcsTfliteUri` URL with it: locally, through IAM signBlob, or not at all. */
  signing: 'local-key' | 'iam-signblob' | 'cannot-sign';
}

function fail(message: string, path: string, cause?: unknown): OdtError {
  // Only the path is reported: the file's contents (keys) never reach messages or reports.
  return new OdtError('CREDENTIALS', message, { context: { credentialFile: path }, cause });
}

/** Reads and checks a credential file without ever echoing its contents. */
function inspectFile(path: string, source: ResolvedCredentials['source']): ResolvedCredentials {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw fail(missing ? 'The credential file does not exist' : 'The credential file is not readable JSON', path, missing ? undefined : error);
  }
  const type = typeof json.type === 'string' ? json.type : '';
  if (!ACCEPTED_TYPES.has(type)) throw fail(`The credential file has type "${type || '(none)'}", not a Google credential`, path);
  if (type === 'service_account') {
    for (const field of ['project_id', 'client_email', 'private_key']) {
      if (typeof json[field] !== 'string' || json[field] === '') throw fail(`The service-account key has no "${field}"`, path);
    }
    try {
      createPrivateKey(json.private_key as string);
    } catch {
      throw fail('The service-account key\'s private_key is not a valid PEM key', path);
    }
    return { source, path, type, projectId: json.project_id as string, account: json.client_email as string, signing: 'local-key' };
  }
  const impersonated = typeof json.service_account_impersonation_url === 'string' ? /serviceAccounts\/([^:/]+):generateAccessToken/.exec(json.service_account_impersonation_url)?.[1] : undefined;
  if (type === 'impersonated_service_account' || (type === 'external_account' && impersonated)) {
    return { source, path, type, account: impersonated ? decodeURIComponent(impersonated) : undefined, signing: 'iam-signblob' };
  }
  // authorized_user (gcloud user login) and external_account without impersonation have no
  // client_email: google-auth-library answers "Cannot sign data without `client_email`".
  return { source, path, type, signing: 'cannot-sign' };
}

/**
 * Firebase ML needs a signed URL: firebase-admin always turns `gcsTfliteUri` into a 10-minute
 * signed URL (firebase-admin-node src/machine-learning/machine-learning.ts signUrlIfPresent ->
 * Storage File.getSignedUrl). A credential without a private key or an impersonated service
 * account cannot sign, so it is refused here, before any upload, with the fix.
 */
export function assertCanSignUrls(credentials: ResolvedCredentials): void {
  if (credentials.signing !== 'cannot-sign') return;
  throw new OdtError('CREDENTIALS', `A "${credentials.type}" credential cannot sign the model URL Firebase ML needs (firebase-admin: "Cannot sign data without client_email")`, {
    context: { credentialFile: credentials.path, type: credentials.type },
    suggestion:
      'Use a service-account key (--service-account <key.json> or GOOGLE_APPLICATION_CREDENTIALS), or impersonate a service account ' +
      '(gcloud auth application-default login --impersonate-service-account <sa-email>) and grant yourself the Service Account Token Creator ' +
      'role (roles/iam.serviceAccountTokenCreator) on it, which carries iam.serviceAccounts.signBlob.',
  });
}

/**
 * Finds the credential the way Google's clients do, but fails early and clearly: an explicit
 * key file, else GOOGLE_APPLICATION_CREDENTIALS, else gcloud's application-default file.
 * (Metadata-server credentials on Google Cloud are not probed: that would be a network call.)
 */
export function resolveCredentials(options: { serviceAccountPath?: string; env?: NodeJS.ProcessEnv; home?: string } = {}): ResolvedCredentials {
  const env = options.env ?? process.env;
  if (options.serviceAccountPath) return inspectFile(options.serviceAccountPath, 'option');
  const fromEnv = env.GOOGLE_APPLICATION_CREDENTIALS;
  if (fromEnv) return inspectFile(fromEnv, 'GOOGLE_APPLICATION_CREDENTIALS');
  const configDir = env.CLOUDSDK_CONFIG ?? join(options.home ?? homedir(), '.config', 'gcloud');
  const wellKnown = join(configDir, 'application_default_credentials.json');
  if (existsSync(wellKnown)) return inspectFile(wellKnown, 'gcloud-adc');
  throw new OdtError('CREDENTIALS', 'No Google credential found', {
    suggestion:
      'Set GOOGLE_APPLICATION_CREDENTIALS to a service-account JSON file, pass --service-account <file>, or run `gcloud auth application-default login` ' +
      '(firebase-storage only; firebase-ml needs a credential that can sign URLs: a service-account key, or --impersonate-service-account with the Service Account Token Creator role). ' +
      'Metadata-server credentials are not used: they can sign only through IAM signBlob, which the publisher cannot check up front.',
  });
}
