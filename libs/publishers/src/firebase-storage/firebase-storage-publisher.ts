import { OdtError } from '@odt/cli-kit';
import type { VerifiedVersion } from '@odt/registry';
import type { Agent } from 'node:http';
import { resolveCredentials } from '../credentials.ts';
import { openFirebaseSession, type Bucket, type FirebaseSession } from '../firebase-session.ts';
import { plannedReport, type PublishPlan, type PublishReport, type RemotePublisher } from '../publisher.ts';
import { majorOf, mirroredVersion, type MirroredVersion, type VersionFile } from '../registry/mirrored-version.ts';
import { RESUMABLE_THRESHOLD_BYTES, STORAGE_MAX_OBJECT_BYTES } from '../limits.ts';
import { openPublishRun } from '../publish-run.ts';
import { httpStatusOf, isTransient, toOdtError, type FailureContext } from '../remote-errors.ts';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from '../retry.ts';
import { ensureObject, type RemoteObject } from '../storage-objects.ts';
import { assertBucketName, resolveProjectId } from '../target-config.ts';
import { assertChannel, ChannelPointerSchema, type ChannelPointer } from './channel-pointer.ts';

export interface FirebaseStorageConfig {
  bucket?: string;
  projectId?: string;
  serviceAccountPath?: string;
  channel?: string;
  /** Root folder of published models in the bucket. */
  prefix?: string;
  maxObjectBytes?: number;
  retry?: Partial<RetryPolicy>;
  agent?: Agent;
  env?: NodeJS.ProcessEnv;
  /** Budget for the whole publish; when it passes the attempt in progress is cancelled (default 15 min). */
  timeoutMs?: number;
  /** Uploads larger than this are resumable (default 8 MiB); 0 makes every upload resumable. */
  resumableThresholdBytes?: number;
  /** Test seam: runs after the pointer was read and before it is written (to stage a race). */
  beforePointerWrite?: () => Promise<void>;
  now?: () => Date;
}

const CONTENT_TYPES: Record<string, string> = { '.tflite': 'application/octet-stream', '.json': 'application/json', '.sig': 'application/json', '.md': 'text/markdown' };

function contentTypeOf(path: string): string {
  const ext = path.slice(path.lastIndexOf('.'));
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

/**
 * Mirrors a registry version into Cloud Storage for Firebase (Google's migration path off
 * Firebase ML hosting): every file under `<prefix>/<name>/<version>/` (model files first, then
 * model.sig, the signed manifest and manifest.sig last), each verified by sha256/md5 after
 * upload, then the channel pointer is moved with a generation precondition, so two publishers
 * cannot overwrite each other and a reader never sees a pointer to an object that is missing or
 * unverified.
 */
export class FirebaseStoragePublisher implements RemotePublisher {
  readonly name = 'firebase-storage' as const;
  private readonly retry: RetryPolicy;

  constructor(private readonly config: FirebaseStorageConfig) {
    this.retry = { ...DEFAULT_RETRY, ...config.retry };
  }

  private get prefix(): string {
    return this.config.prefix ?? 'models';
  }

  private get channel(): string {
    return this.config.channel ?? 'latest';
  }

  objectPath(name: string, version: string, file: string): string {
    return `${this.prefix}/${name}/${version}/${file}`;
  }

  pointerPath(name: string): string {
    return `${this.prefix}/${name}/channels/${this.channel}.json`;
  }

  plan(version: VerifiedVersion): PublishPlan {
    return this.planFor(mirroredVersion(version));
  }

  private planFor(version: MirroredVersion): PublishPlan {
    const bucket = assertBucketName(this.config.bucket);
    assertChannel(this.channel);
    const limit = this.config.maxObjectBytes ?? STORAGE_MAX_OBJECT_BYTES;
    for (const file of version.files) {
      if (file.bytes.length > limit) {
        throw new OdtError('MODEL_TOO_LARGE', `${file.path} is ${file.bytes.length} bytes; this target takes at most ${limit}`, { context: { limitBytes: limit } });
      }
    }
    const { name, version: v } = version.manifest;
    return {
      target: this.name,
      name,
      version: v,
      destination: `gs://${bucket}/${this.prefix}/${name}/ (channel ${this.channel})`,
      actions: [
        ...version.files.map((f) => ({
          kind: 'upload-object' as const,
          target: `gs://${bucket}/${this.objectPath(name, v, f.path)}`,
          detail: `${f.bytes.length} bytes, sha256 ${f.sha256} (create-only; skipped if identical)`,
        })),
        { kind: 'verify-objects', target: `gs://${bucket}/${this.prefix}/${name}/${v}/`, detail: 'read back md5, size and sha256 of every object' },
        { kind: 'move-channel-pointer', target: `gs://${bucket}/${this.pointerPath(name)}`, detail: `point channel ${this.channel} at ${v} (ifGenerationMatch)` },
      ],
    };
  }

  async publish(verified: VerifiedVersion, options: { dryRun: boolean }): Promise<PublishReport> {
    const version = mirroredVersion(verified);
    const plan = this.planFor(version);
    const report = plannedReport(plan, options.dryRun);
    if (options.dryRun) return report;
    const credentials = resolveCredentials({ serviceAccountPath: this.config.serviceAccountPath, env: this.config.env });
    const projectId = resolveProjectId(this.config.projectId, credentials);
    const run = openPublishRun(this.config.timeoutMs);
    const session: FirebaseSession = openFirebaseSession({ projectId, bucket: this.config.bucket!, credentials, agent: this.config.agent, env: this.config.env });
    const context: FailureContext = { service: 'storage', projectId, bucket: this.config.bucket, account: credentials.account };
    // The Storage client's own retries are off (firebase-session): this is the one retry layer.
    // A 401 (revoked token) or 403 (missing role) is not transient: one attempt, then CREDENTIALS.
    const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      try {
        return await withRetry(name, this.retry, (error) => isTransient(error, context), () => work(), {
          signal: run.signal,
          cancel: (reason) => session.cancelInFlight(reason),
          onRetry: () => void (report.retries += 1),
        });
      } catch (error) {
        throw toOdtError(error, name, context);
      }
    };
    const threshold = this.config.resumableThresholdBytes ?? RESUMABLE_THRESHOLD_BYTES;
    try {
      const bucket = session.bucket();
      const written: Array<{ file: VersionFile; path: string; object: RemoteObject }> = [];
      for (const [i, file] of version.files.entries()) {
        const path = this.objectPath(plan.name, plan.version, file.path);
        const result = await step(`upload ${file.path}`, () =>
          ensureObject(bucket, path, file, {
            contentType: contentTypeOf(file.path),
            cacheControl: 'public, max-age=31536000, immutable',
            metadata: { modelName: plan.name, modelVersion: plan.version, role: file.role },
            resumableThresholdBytes: threshold,
          }),
        );
        report.actions[i]!.status = result.status;
        written.push({ file, path, object: result.object });
      }
      report.actions[version.files.length]!.status = 'done'; // ensureObject read every object back
      const pointer = this.pointerFor(version, written);
      const moved = await step('move channel pointer', () => this.movePointer(bucket, pointer, threshold));
      report.actions[version.files.length + 1]!.status = moved.status;
      report.remote = { bucket: bucket.name, pointer: this.pointerPath(plan.name), pointerGeneration: moved.generation, channel: this.channel, previousVersion: moved.previousVersion };
      return report;
    } finally {
      run.done();
      await session.close();
    }
  }

  private pointerFor(version: MirroredVersion, written: Array<{ file: VersionFile; path: string; object: RemoteObject }>): ChannelPointer {
    const entry = (role: string) => written.find((w) => w.file.role === role)!;
    const manifest = entry('manifest');
    const signature = entry('signature');
    const model = entry('trainable-model');
    return ChannelPointerSchema.parse({
      schemaVersion: 1,
      name: version.manifest.name,
      channel: this.channel,
      version: version.manifest.version,
      contractMajor: majorOf(version.manifest.version),
      contentHash: version.manifest.contentHash,
      manifest: { path: manifest.path, sha256: manifest.file.sha256, generation: manifest.object.generation },
      signature: { path: signature.path, sha256: signature.file.sha256, generation: signature.object.generation },
      model: { path: model.path, sha256: model.file.sha256, size: model.file.bytes.length, generation: model.object.generation },
      files: written.map((w) => ({ path: w.path, role: w.file.role, sha256: w.file.sha256, size: w.file.bytes.length, generation: w.object.generation })),
      publishedAt: (this.config.now ?? (() => new Date()))().toISOString(),
    });
  }

  private async readPointer(bucket: Bucket, path: string): Promise<{ generation: string; pointer?: ChannelPointer } | undefined> {
    const file = bucket.file(path);
    try {
      const [md] = await file.getMetadata();
      const [bytes] = await file.download({ validation: false });
      const parsed = ChannelPointerSchema.safeParse(JSON.parse(bytes.toString('utf8')));
      return { generation: String(md.generation), pointer: parsed.success ? parsed.data : undefined };
    } catch (error) {
      if (httpStatusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Compare-and-swap on the pointer's generation; a lost race is a clear conflict, never an overwrite. */
  private async movePointer(bucket: Bucket, pointer: ChannelPointer, resumableThresholdBytes: number): Promise<{ status: 'done' | 'skipped'; generation: string; previousVersion?: string }> {
    const path = this.pointerPath(pointer.name);
    const current = await this.readPointer(bucket, path);
    const samePlace = (p?: ChannelPointer) => p?.version === pointer.version && p.manifest.sha256 === pointer.manifest.sha256;
    if (current && samePlace(current.pointer)) return { status: 'skipped', generation: current.generation, previousVersion: pointer.version };
    await this.config.beforePointerWrite?.();
    const bytes = Buffer.from(`${JSON.stringify(pointer, null, 2)}\n`);
    try {
      // With a resumable upload the generation precondition is evaluated when the upload is
      // finalised (Cloud Storage), so a rival's move during the upload is still a 412 here.
      await bucket.file(path).save(bytes, {
        resumable: bytes.length > resumableThresholdBytes,
        validation: 'crc32c',
        metadata: { contentType: 'application/json', cacheControl: 'no-cache, max-age=0' },
        preconditionOpts: { ifGenerationMatch: Number(current?.generation ?? 0) },
      });
    } catch (error) {
      if (httpStatusOf(error) !== 412) throw error;
      const now = await this.readPointer(bucket, path);
      if (now && samePlace(now.pointer)) return { status: 'done', generation: now.generation, previousVersion: current?.pointer?.version };
      throw new OdtError('VERSION_CONFLICT', `Channel "${this.channel}" of ${pointer.name} was moved by someone else while publishing`, {
        context: { expectedFrom: current?.pointer?.version ?? '(none)', nowAt: now?.pointer?.version ?? '(none)', wanted: pointer.version },
        suggestion: 'Another publisher moved the channel first; check which version should win and re-run to move it.',
      });
    }
    const after = await this.readPointer(bucket, path);
    if (!after || !samePlace(after.pointer)) throw new OdtError('INTEGRITY_FAILED', `The channel pointer ${path} did not read back as written`);
    return { status: 'done', generation: after.generation, previousVersion: current?.pointer?.version };
  }
}
