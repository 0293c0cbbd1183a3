import { writeJsonAtomic } from '@odt/cli-kit';
import type { VerifiedVersion } from '@odt/registry';
import { createPublisher } from './create-publisher.ts';
import type { FirebaseMlConfig } from './firebase-ml/firebase-ml-publisher.ts';
import type { FirebaseStorageConfig } from './firebase-storage/firebase-storage-publisher.ts';
import { formatPlan, type PublishReport } from './publisher.ts';

/** Everything one remote publish needs besides the version: target config, output, report file. */
export type RemotePublishOptions = FirebaseMlConfig &
  FirebaseStorageConfig & {
    /** Print the plan and return the planned report; no network call, no credential needed. */
    dryRun?: boolean;
    /** Also write the JSON report to this file. */
    reportPath?: string;
    /** Where the plan / action lines go (default: nowhere). */
    out?: (line: string) => void;
  };

/**
 * Mirrors one version the registry reader proved (`fetchVerifiedVersion`) to a remote target,
 * in process: no argv, no second read of the registry. The bucket defaults to
 * FIREBASE_STORAGE_BUCKET of `env` (default process.env). Returns the report (secret-free).
 */
export async function publishToRemote(target: string, version: VerifiedVersion, options: RemotePublishOptions = {}): Promise<PublishReport> {
  const { dryRun = false, reportPath, out = () => undefined, ...config } = options;
  const env = config.env ?? process.env;
  const publisher = createPublisher(target, { ...config, env, bucket: config.bucket ?? env.FIREBASE_STORAGE_BUCKET, log: config.log ?? out });
  const files = version.manifest.files.length + 3;
  out(`${target}: mirroring ${version.name}@${version.version} (verified: manifest.sig by key ${version.keyId}, model.sig, ${files} files)`);
  if (dryRun) out(formatPlan(publisher.plan(version)));
  const report = await publisher.publish(version, { dryRun });
  if (!dryRun) {
    for (const a of report.actions) out(`${a.status.padEnd(7)} ${a.kind} ${a.target}`);
    out(JSON.stringify(report.remote));
  }
  if (reportPath) await writeJsonAtomic(reportPath, report);
  return report;
}
