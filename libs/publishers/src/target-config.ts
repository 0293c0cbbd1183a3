import { OdtError } from '@odt/cli-kit';
import type { ResolvedCredentials } from './credentials.ts';

/** Cloud Storage bucket names: 3-63 chars (up to 222 with dots), lowercase, digits, -, _, . */
const BUCKET_RULE = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/** A bucket must be named explicitly; checked before any network call. */
export function assertBucketName(bucket: string | undefined): string {
  if (!bucket) {
    throw new OdtError('USAGE', 'No Storage bucket given', {
      suggestion: 'Pass --bucket <name> (the Firebase project\'s bucket, e.g. <project-id>.appspot.com) or set FIREBASE_STORAGE_BUCKET.',
    });
  }
  if (!BUCKET_RULE.test(bucket) || bucket.includes('..') || bucket.startsWith('gs://')) {
    throw new OdtError('USAGE', `"${bucket}" is not a valid Cloud Storage bucket name`, {
      suggestion: 'Give the bare bucket name: lowercase letters, digits, dots, hyphens, underscores; no gs:// prefix.',
    });
  }
  return bucket;
}

/** The project comes from the option, else from the service-account key. */
export function resolveProjectId(projectId: string | undefined, credentials: ResolvedCredentials): string {
  const id = projectId ?? credentials.projectId;
  if (!id) {
    throw new OdtError('USAGE', 'No Firebase project id given', { suggestion: 'Pass --project <project-id> (needed with user or workload-identity credentials).' });
  }
  return id;
}
