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
    return { source, path, type, projectId: json.project_id as string };
  }
  return { source, path, type };
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
      'Set GOOGLE_APPLICATION_CREDENTIALS to a service-account JSON file, pass --service-account <file>, or run `gcloud auth application-default login`.',
  });
}
