import { OdtError } from '@odt/cli-kit';
import { FirebaseMlPublisher, type FirebaseMlConfig } from './firebase-ml/firebase-ml-publisher.ts';
import { FirebaseStoragePublisher, type FirebaseStorageConfig } from './firebase-storage/firebase-storage-publisher.ts';
import type { RemotePublisher, TargetName } from './publisher.ts';

export const TARGETS: readonly TargetName[] = ['firebase-ml', 'firebase-storage'];

/** One switch from target name to publisher, so changing targets is configuration only. */
export function createPublisher(target: string, config: FirebaseMlConfig & FirebaseStorageConfig): RemotePublisher {
  if (target === 'firebase-ml') return new FirebaseMlPublisher(config);
  if (target === 'firebase-storage') return new FirebaseStoragePublisher(config);
  throw new OdtError('USAGE', `Unknown publish target "${target}"`, { suggestion: `Use --target ${TARGETS.join(' or ')}.` });
}
