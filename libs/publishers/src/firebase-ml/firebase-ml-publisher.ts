import { OdtError } from '@odt/cli-kit';
import type { VerifiedVersion } from '@odt/registry';
import type { Model } from 'firebase-admin/machine-learning';
import type { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertCanSignUrls, resolveCredentials, type ResolvedCredentials } from '../credentials.ts';
import { openFirebaseSession, type FirebaseSession } from '../firebase-session.ts';
import { FIREBASE_ML_MAX_MODEL_BYTES } from '../limits.ts';
import { plannedReport, type ActionResult, type PublishPlan, type PublishReport, type RemotePublisher } from '../publisher.ts';
import { majorOf, mirroredVersion, type MirroredVersion } from '../registry/mirrored-version.ts';
import { isAuthFailure, isTransient, toOdtError, type FailureContext, type RemoteService } from '../remote-errors.ts';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from '../retry.ts';
import { openPublishRun } from '../publish-run.ts';
import { ML_HOST } from '../transport/hosts.ts';
import { ensureObject } from '../storage-objects.ts';
import { assertBucketName, resolveProjectId } from '../target-config.ts';
import { assertDisplayName, displayNameFor, tagsFor } from './model-naming.ts';

export interface FirebaseMlConfig {
  bucket?: string;
  projectId?: string;
  serviceAccountPath?: string;
  /** Overrides `<model-name>_v<major>`; still checked against the service's rules. */
  displayName?: string;
  /** Folder inside the bucket for model files the ML service reads. */
  objectPrefix?: string;
  maxModelBytes?: number;
  retry?: Partial<RetryPolicy>;
  /** Max wait for the service to validate an uploaded file (long-running operation). */
  operationTimeoutMs?: number;
  /** Budget for the whole publish; when it passes the attempt in progress is cancelled (default 15 min). */
  timeoutMs?: number;
  agent?: Agent;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

/**
 * Publishes the trainable .tflite of a registry version to Firebase ML: uploads it to the
 * project's bucket, then creates or updates the model named `<name>_v<major>` (tags carry the
 * semver and content hash) and publishes it. Rollback is publishing an earlier version: the
 * same model is pointed back at that version's file. Every step is idempotent, so a re-run after
 * any failure finishes the job without a second model.
 */
export class FirebaseMlPublisher implements RemotePublisher {
  readonly name = 'firebase-ml' as const;
  private readonly retry: RetryPolicy;

  constructor(private readonly config: FirebaseMlConfig) {
    this.retry = { ...DEFAULT_RETRY, ...config.retry };
  }

  private displayName(version: MirroredVersion): string {
    const name = this.config.displayName ?? displayNameFor(version.manifest.name, majorOf(version.manifest.version));
    assertDisplayName(name);
    return name;
  }

  private objectPath(displayName: string, version: string): string {
    return `${this.config.objectPrefix ?? 'firebase-ml'}/${displayName}/${version}/model.tflite`;
  }

  plan(version: VerifiedVersion): PublishPlan {
    return this.planFor(mirroredVersion(version));
  }

  private planFor(version: MirroredVersion): PublishPlan {
    const bucket = assertBucketName(this.config.bucket);
    const displayName = this.displayName(version);
    const model = version.trainableModel;
    const limit = this.config.maxModelBytes ?? FIREBASE_ML_MAX_MODEL_BYTES;
    if (model.bytes.length > limit) {
      throw new OdtError('MODEL_TOO_LARGE', `${model.path} is ${model.bytes.length} bytes; Firebase ML takes at most ${limit}`, {
        context: { limitBytes: limit, sizeBytes: model.bytes.length },
      });
    }
    const tags = tagsFor(version.manifest.version, version.manifest.contentHash);
    const gcsUri = `gs://${bucket}/${this.objectPath(displayName, version.manifest.version)}`;
    return {
      target: this.name,
      name: version.manifest.name,
      version: version.manifest.version,
      destination: `Firebase ML model "${displayName}"`,
      actions: [
        { kind: 'upload-object', target: gcsUri, detail: `${model.bytes.length} bytes, sha256 ${model.sha256} (skipped if already there)` },
        { kind: 'find-or-create-model', target: displayName, detail: `create, or update file and tags [${tags.join(', ')}]` },
        { kind: 'wait-for-validation', target: displayName, detail: 'wait for the service to validate the file' },
        { kind: 'publish-model', target: displayName, detail: 'set state.published so apps download it' },
      ],
    };
  }

  async publish(verified: VerifiedVersion, options: { dryRun: boolean }): Promise<PublishReport> {
    const version = mirroredVersion(verified);
    const plan = this.planFor(version);
    const report = plannedReport(plan, options.dryRun);
    if (options.dryRun) return report;
    const credentials = resolveCredentials({ serviceAccountPath: this.config.serviceAccountPath, env: this.config.env });
    assertCanSignUrls(credentials);
    const projectId = resolveProjectId(this.config.projectId, credentials);
    const run = openPublishRun(this.config.timeoutMs);
    let session = this.open(projectId, credentials);
    let refreshedOnce = false;
    const context = (service: RemoteService): FailureContext => ({
      service,
      mlStatus: session.lastStatus(ML_HOST),
      projectId,
      bucket: this.config.bucket,
      account: credentials.account,
    });
    // One retry layer: p-retry here (429, 5xx, resets, stalled attempts); firebase-admin's own
    // re-sends of ML 503s/resets are switched off in the session, the Storage client's too.
    // On a refused token, one fresh session.
    const step = async <T>(name: string, service: RemoteService, work: (s: FirebaseSession, signal: AbortSignal) => Promise<T>): Promise<T> => {
      for (;;) {
        try {
          return await withRetry(
            name,
            this.retry,
            (error) => isTransient(error, context(service)),
            (signal) => {
              session.agent.lastResponses.clear();
              return work(session, signal);
            },
            { signal: run.signal, cancel: (reason) => session.cancelInFlight(reason), onRetry: () => void (report.retries += 1) },
          );
        } catch (error) {
          if (isAuthFailure(error, context(service)) && !refreshedOnce) {
            refreshedOnce = true;
            this.config.log?.(`${name}: token refused; retrying once with a fresh credential`);
            await session.close();
            session = this.open(projectId, credentials);
            continue;
          }
          throw toOdtError(error, name, context(service));
        }
      }
    };
    try {
      const results = report.actions;
      const displayName = plan.actions[1]!.target;
      const gcsUri = plan.actions[0]!.target;
      const objectPath = gcsUri.replace(/^gs:\/\/[^/]+\//, '');
      const tags = tagsFor(plan.version, version.manifest.contentHash);
      const upload = await step('upload model file', 'storage', (s) =>
        ensureObject(s.bucket(), objectPath, version.trainableModel, {
          contentType: 'application/octet-stream',
          cacheControl: 'private, max-age=0',
          metadata: { modelName: plan.name, modelVersion: plan.version },
        }),
      );
      mark(results[0]!, upload.status);
      const found = await step('find or create model', 'firebase-ml', (s, signal) => this.findOrWrite(s, displayName, tags, gcsUri, signal));
      mark(results[1]!, found.status);
      let model = await step('wait for model validation', 'firebase-ml', (s, signal) => this.waitUnlocked(s, found.modelId, signal));
      mark(results[2]!, found.status === 'skipped' ? 'skipped' : 'done');
      if (model.validationError) {
        throw new OdtError('REMOTE_REJECTED', `Firebase ML rejected the model file: ${model.validationError}`, {
          context: { displayName, gcsUri, remoteUri: model.tfliteModel?.gcsTfliteUri ?? '(none)' },
          suggestion: 'The model now points at this file but cannot be published; check that the registry version holds a valid .tflite (convert stage), then publish a fixed version.',
        });
      }
      if (model.tfliteModel?.gcsTfliteUri !== gcsUri || !tags.every((t) => model.tags.includes(t))) {
        throw new OdtError('REMOTE_REJECTED', `Model "${displayName}" does not point at ${gcsUri} after the update`, {
          context: { remoteUri: model.tfliteModel?.gcsTfliteUri ?? '(none)', remoteTags: model.tags },
          suggestion: 'Another publisher changed the model concurrently; re-run.',
        });
      }
      if (model.published) {
        mark(results[3]!, 'skipped');
      } else {
        model = await step('publish model', 'firebase-ml', (s) => s.ml().publishModel(found.modelId));
        mark(results[3]!, 'done');
      }
      report.remote = {
        modelId: model.modelId,
        displayName: model.displayName,
        tags: model.tags,
        published: model.published,
        gcsTfliteUri: model.tfliteModel?.gcsTfliteUri,
        sizeBytes: Number(model.tfliteModel?.sizeBytes ?? 0),
        modelHash: model.modelHash,
        objectGeneration: upload.object.generation,
      };
      return report;
    } finally {
      run.done();
      await session.close();
    }
  }

  private open(projectId: string, credentials: ResolvedCredentials): FirebaseSession {
    return openFirebaseSession({ projectId, bucket: this.config.bucket!, credentials, agent: this.config.agent, env: this.config.env });
  }

  /**
   * Waits for the service to finish validating the file by reading the model (abortable sleeps
   * between reads; the attempt's signal cancels the wait). firebase-admin's waitForUnlocked is
   * not used: its poller keeps timers running after the publisher gave up.
   */
  private async waitUnlocked(s: FirebaseSession, modelId: string, signal: AbortSignal): Promise<Model> {
    const deadline = Date.now() + (this.config.operationTimeoutMs ?? 120_000);
    let delay = 250;
    for (;;) {
      const model = await s.ml().getModel(modelId);
      if (!model.locked) return model;
      if (Date.now() + delay > deadline) {
        throw new OdtError('REMOTE_UNAVAILABLE', `Firebase ML did not finish validating model ${modelId} in time`, {
          suggestion: 'Re-run later: the publisher finds the model by name and continues.',
        });
      }
      await sleep(delay, undefined, { signal });
      delay = Math.min(delay * 2, 5000);
    }
  }

  /**
   * Idempotent create-or-update by display name; each attempt re-lists first. A create answered
   * with ALREADY_EXISTS (a done operation with code 6: our earlier create whose answer was lost
   * and which firebase-admin re-sent, or a concurrent publisher) is resolved by listing again.
   */
  private async findOrWrite(s: FirebaseSession, displayName: string, tags: string[], gcsUri: string, signal: AbortSignal): Promise<{ modelId: string; status: 'done' | 'skipped' }> {
    const ml = s.ml();
    const byName = async () => {
      const { models } = await ml.listModels({ filter: `display_name = ${displayName}`, pageSize: 10 });
      const matches = models.filter((m) => m.displayName === displayName);
      if (matches.length > 1) {
        throw new OdtError('REMOTE_REJECTED', `${matches.length} Firebase ML models are named "${displayName}"`, {
          context: { modelIds: matches.map((m) => m.modelId) },
          suggestion: 'Delete the extra models in the Firebase console; apps download by name and need exactly one.',
        });
      }
      return matches[0];
    };
    let existing: Model | undefined = await byName();
    let recovered = false;
    if (!existing) {
      try {
        const created = await ml.createModel({ displayName, tags, tfliteModel: { gcsTfliteUri: gcsUri } });
        return { modelId: created.modelId, status: 'done' };
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'machine-learning/already-exists') throw error;
        existing = await byName();
        if (!existing) throw error;
        recovered = true;
        this.config.log?.(`find or create model: "${displayName}" already exists (an earlier create whose answer was lost, or another publisher); continuing with model ${existing.modelId}`);
      }
    }
    if (existing.locked) existing = await this.waitUnlocked(s, existing.modelId, signal);
    const current = existing;
    const sameFile = current.tfliteModel?.gcsTfliteUri === gcsUri && !current.validationError;
    const sameTags = tags.every((t) => current.tags.includes(t)) && current.tags.length === tags.length;
    if (sameFile && sameTags) return { modelId: current.modelId, status: recovered ? 'done' : 'skipped' };
    await ml.updateModel(current.modelId, sameFile ? { tags } : { tags, tfliteModel: { gcsTfliteUri: gcsUri } });
    return { modelId: current.modelId, status: 'done' };
  }
}

function mark(action: ActionResult, status: 'done' | 'skipped'): void {
  action.status = status;
}
