import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendGoogleError, sendJson } from './http-util.ts';
import { DISPLAY_NAME_RULE, INVALID_FLATBUFFER, TAG_RULE, UPDATABLE_PATHS, flatbufferProblem, parseModelFilter } from './ml-model-rules.ts';
import type { OAuthFake } from './oauth-fake.ts';
import type { BucketStore } from './storage-model.ts';

const OPERATION_METADATA_TYPE = 'type.googleapis.com/google.firebase.ml.v1beta2.ModelOperationMetadata';
const MODEL_TYPE = 'type.googleapis.com/google.firebase.ml.v1beta2.Model';

/** A model as the fake stores it (the REST resource is built from it on every read). */
export interface FakeModel {
  id: string;
  displayName: string;
  tags: string[];
  createTime: string;
  updateTime: string;
  etagCounter: number;
  published: boolean;
  gcsTfliteUri?: string;
  sizeBytes?: number;
  modelHash?: string;
  validationError?: string;
  pendingOperation?: { id: string; pollsLeft: number; source: { bucket: string; object: string } | { error: string } };
}

interface FakeOperation {
  id: string;
  modelId: string;
  done: boolean;
  /** A finished operation that failed: google.rpc.Status (code 6 ALREADY_EXISTS, 9 FAILED_PRECONDITION, ...). */
  error?: { code: number; message: string };
}

/** google.rpc.Code values the fake puts in failed operations. */
export const RPC_CODE = { ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, FAILED_PRECONDITION: 9 } as const;

/**
 * Firebase ML v1beta2 (`/v1beta2/projects/{project}/models` and `/operations`): create and
 * file updates return long-running operations that finish after `pollsToComplete` polls and
 * validate the model file by reading the signed URL's object; PATCH honours `updateMask`;
 * list supports `filter`/`pageSize`/`pageToken`; publishing flips `state.published`. Every
 * request needs a live bearer token from the OAuth fake (401 otherwise).
 */
export class MlFake {
  readonly models = new Map<string, FakeModel>();
  readonly operations = new Map<string, FakeOperation>();
  /** Polls of an operation before it reports done (1: done at the first poll). */
  pollsToComplete = 1;
  /** Largest model file the fake accepts (libs/publishers/README.md, target firebase-ml: size limit). */
  maxModelBytes = 40 * 1024 * 1024;
  /**
   * Service accounts that authenticate but hold no Firebase ML role: every call answers 403
   * PERMISSION_DENIED, which firebase-admin maps to `unknown-error` (its ERROR_CODE_MAPPING in
   * firebase-admin-node src/machine-learning/machine-learning-api-client.ts lists only
   * INVALID_ARGUMENT, NOT_FOUND, RESOURCE_EXHAUSTED, UNAUTHENTICATED and UNKNOWN).
   */
  readonly deniedAccounts = new Set<string>();
  /** Test hook: runs when a create arrives, before the name check (to stage a concurrent creator). */
  beforeCreate?: (displayName: string) => void;
  private nextId = 10_000_000;

  constructor(
    private readonly projectId: string,
    private readonly oauth: OAuthFake,
    private readonly storage: BucketStore,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const auth = this.oauth.check(req.headers.authorization);
    if (!auth.ok) return sendGoogleError(res, 401, 'UNAUTHENTICATED', auth.reason, undefined, { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' });
    if (this.deniedAccounts.has(auth.clientEmail)) {
      req.resume();
      return sendGoogleError(res, 403, 'PERMISSION_DENIED', 'The caller does not have permission');
    }
    const url = new URL(req.url ?? '/', 'https://firebaseml.googleapis.com');
    const m = /^\/v1beta2\/projects\/([^/]+)\/(models|operations)(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return sendGoogleError(res, 404, 'NOT_FOUND', `No route for ${url.pathname}`);
    if (m[1] !== this.projectId) return sendGoogleError(res, 403, 'PERMISSION_DENIED', `Permission denied on project ${m[1]}.`);
    const [, , collection, id] = m;
    if (collection === 'operations' && id && req.method === 'GET') return this.getOperation(res, id);
    if (collection === 'models' && !id && req.method === 'POST') return this.create(req, res);
    if (collection === 'models' && !id && req.method === 'GET') return this.list(res, url);
    if (collection === 'models' && id && req.method === 'GET') return this.getModel(res, id);
    if (collection === 'models' && id && req.method === 'PATCH') return this.patch(req, res, id, url);
    if (collection === 'models' && id && req.method === 'DELETE') return this.delete(res, id);
    sendGoogleError(res, 404, 'NOT_FOUND', `No route for ${req.method} ${url.pathname}`);
  }

  /** The REST `Model` resource. */
  resource(model: FakeModel): Record<string, unknown> {
    const state: Record<string, unknown> = {};
    if (model.published) state.published = true;
    // A model with no file reports it as its validation error (firebase-admin-python
    // integration/test_ml.py check_model_format: 'No model file has been uploaded.').
    const validationError = model.validationError ?? (!model.gcsTfliteUri && !model.pendingOperation ? 'No model file has been uploaded.' : undefined);
    if (validationError) state.validationError = { code: 3, message: validationError };
    return {
      name: `projects/${this.projectId}/models/${model.id}`,
      displayName: model.displayName,
      tags: model.tags,
      createTime: model.createTime,
      updateTime: model.updateTime,
      etag: `etag-${model.id}-${model.etagCounter}`,
      state,
      ...(model.modelHash ? { modelHash: model.modelHash } : {}),
      ...(model.gcsTfliteUri ? { tfliteModel: { gcsTfliteUri: model.gcsTfliteUri, ...(model.sizeBytes !== undefined ? { sizeBytes: String(model.sizeBytes) } : {}) } } : {}),
      ...(model.pendingOperation ? { activeOperations: [{ name: this.operationName(model.pendingOperation.id) }] } : {}),
    };
  }

  private operationName(id: string): string {
    return `projects/${this.projectId}/operations/${id}`;
  }

  private async jsonBody(req: IncomingMessage, res: ServerResponse): Promise<Record<string, unknown> | undefined> {
    try {
      return JSON.parse((await readBody(req)).toString('utf8') || '{}');
    } catch {
      sendGoogleError(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
      return undefined;
    }
  }

  /** Checks display name and tags the way the service does; returns an error message or undefined. */
  private invalidFields(body: { displayName?: unknown; tags?: unknown }, requireName: boolean): string | undefined {
    if (requireName || body.displayName !== undefined) {
      if (typeof body.displayName !== 'string' || !DISPLAY_NAME_RULE.test(body.displayName)) {
        return 'displayName must be 1-32 characters (letters, digits, underscores) and must start with a letter.';
      }
    }
    if (body.tags !== undefined) {
      if (!Array.isArray(body.tags) || body.tags.some((t) => typeof t !== 'string' || !TAG_RULE.test(t))) {
        return 'Each tag must be 1-32 characters: letters, digits, underscores and hyphens.';
      }
    }
    return undefined;
  }

  /** Resolves a signed URL (path-style, as the Storage client signs it) to bucket + object. */
  private sourceFromSignedUrl(uri: unknown): { bucket: string; object: string } | { error: string } {
    if (typeof uri !== 'string') return { error: 'tfliteModel.gcsTfliteUri is required.' };
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return { error: `gcsTfliteUri is not a URL: ${uri}` };
    }
    if (uri.startsWith('gs://')) return { error: 'gcsTfliteUri must be a signed https URL the service can read.' };
    const signed = url.searchParams.has('X-Goog-Signature') || url.searchParams.has('Signature');
    if (!signed) return { error: 'gcsTfliteUri is not a signed URL.' };
    const date = url.searchParams.get('X-Goog-Date');
    const expires = Number(url.searchParams.get('X-Goog-Expires') ?? '0');
    if (date) {
      const issued = Date.parse(date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
      if (Number.isFinite(issued) && issued + expires * 1000 < Date.now()) return { error: 'The signed URL has expired.' };
    }
    const m = /^\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!m) return { error: `Cannot read a bucket and object from ${url.pathname}` };
    return { bucket: decodeURIComponent(m[1]!), object: decodeURIComponent(m[2]!) };
  }

  private startOperation(model: FakeModel, source: { bucket: string; object: string } | { error: string }): FakeOperation {
    const op: FakeOperation = { id: randomBytes(8).toString('hex'), modelId: model.id, done: false };
    this.operations.set(op.id, op);
    model.pendingOperation = { id: op.id, pollsLeft: this.pollsToComplete, source };
    return op;
  }

  /**
   * Finishes the file validation: reads the object, parses it, sets hash, size and URI.
   * On a failed validation the service still records the new file URI and reports the error,
   * with no size and no hash. Source: firebase-admin-python integration/test_ml.py
   * (check_model_format with a validation error: gcs_tflite_uri starts with gs://, size_bytes
   * and model_hash are None, validation_error 'Invalid flatbuffer format').
   */
  private completeOperation(model: FakeModel, op: FakeOperation): void {
    const pending = model.pendingOperation!;
    model.pendingOperation = undefined;
    op.done = true;
    model.updateTime = new Date().toISOString();
    model.etagCounter += 1;
    const fail = (message: string) => {
      model.validationError = message;
      model.sizeBytes = undefined;
      model.modelHash = undefined;
    };
    if ('error' in pending.source) return fail(pending.source.error);
    model.gcsTfliteUri = `gs://${pending.source.bucket}/${pending.source.object}`;
    const object = this.storage.get(pending.source.bucket, pending.source.object);
    if (!object) return fail(`Model file gs://${pending.source.bucket}/${pending.source.object} not found.`);
    if (object.bytes.length > this.maxModelBytes) return fail(`Model file is ${object.bytes.length} bytes; the limit is ${this.maxModelBytes}.`);
    if (flatbufferProblem(object.bytes)) return fail(INVALID_FLATBUFFER);
    model.validationError = undefined;
    model.sizeBytes = object.bytes.length;
    model.modelHash = createHash('sha256').update(object.bytes).digest('hex');
  }

  /**
   * A finished operation carrying an error. The service reports a duplicate display name and
   * publishing an unverified model this way (HTTP 200, `done: true`, `error: {code, message}`),
   * not as an HTTP error. Sources: firebase-admin-python integration/test_ml.py
   * (test_create_already_existing_fails: AlreadyExistsError "Model '<name>' already exists";
   * test_publish_invalid_fails: FailedPreconditionError "Cannot publish a model that is not
   * verified.", both checked with check_operation_error), and firebase-admin-node
   * src/machine-learning/machine-learning-utils.ts fromOperationError (6 -> already-exists,
   * 9 -> failed-precondition).
   */
  private sendFailedOperation(res: ServerResponse, modelId: string, code: number, message: string): void {
    const op: FakeOperation = { id: randomBytes(8).toString('hex'), modelId, done: true, error: { code, message } };
    this.operations.set(op.id, op);
    sendJson(res, 200, this.operationResource(op));
  }

  private operationResource(op: FakeOperation): Record<string, unknown> {
    if (op.done && op.error) return { name: this.operationName(op.id), done: true, error: op.error };
    const model = this.models.get(op.modelId);
    if (op.done && model) return { name: this.operationName(op.id), done: true, response: { '@type': MODEL_TYPE, ...this.resource(model) } };
    return {
      name: this.operationName(op.id),
      metadata: { '@type': OPERATION_METADATA_TYPE, name: `projects/${this.projectId}/models/${op.modelId}`, basicOperationStatus: 'BASIC_OPERATION_STATUS_UPLOADING' },
      done: false,
    };
  }

  private getOperation(res: ServerResponse, id: string): void {
    const op = this.operations.get(id);
    if (!op) return sendGoogleError(res, 404, 'NOT_FOUND', `Operation ${id} not found.`);
    const model = this.models.get(op.modelId);
    if (!op.done && model?.pendingOperation?.id === op.id) {
      model.pendingOperation.pollsLeft -= 1;
      if (model.pendingOperation.pollsLeft <= 0) this.completeOperation(model, op);
    }
    sendJson(res, 200, this.operationResource(op));
  }

  private async create(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await this.jsonBody(req, res);
    if (!body) return;
    const invalid = this.invalidFields(body, true);
    if (invalid) return sendGoogleError(res, 400, 'INVALID_ARGUMENT', invalid);
    const displayName = body.displayName as string;
    this.beforeCreate?.(displayName);
    if ([...this.models.values()].some((m) => m.displayName === displayName)) {
      return this.sendFailedOperation(res, '', RPC_CODE.ALREADY_EXISTS, `Model '${displayName}' already exists`);
    }
    const now = new Date().toISOString();
    const model: FakeModel = {
      id: String(this.nextId++),
      displayName,
      tags: (body.tags as string[] | undefined) ?? [],
      createTime: now,
      updateTime: now,
      etagCounter: 1,
      published: false,
    };
    this.models.set(model.id, model);
    const tflite = body.tfliteModel as { gcsTfliteUri?: unknown } | undefined;
    if (!tflite) {
      const op: FakeOperation = { id: randomBytes(8).toString('hex'), modelId: model.id, done: true };
      this.operations.set(op.id, op);
      return sendJson(res, 200, this.operationResource(op));
    }
    sendJson(res, 200, this.operationResource(this.startOperation(model, this.sourceFromSignedUrl(tflite.gcsTfliteUri))));
  }

  private list(res: ServerResponse, url: URL): void {
    const pageSize = Number(url.searchParams.get('pageSize') ?? '10');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) return sendGoogleError(res, 400, 'INVALID_ARGUMENT', 'pageSize must be 1-100.');
    let predicates;
    try {
      predicates = url.searchParams.has('filter') ? parseModelFilter(url.searchParams.get('filter')!) : [];
    } catch (error) {
      return sendGoogleError(res, 400, 'INVALID_ARGUMENT', (error as Error).message);
    }
    const all = [...this.models.values()].filter((m) => predicates.every((p) => p(m)));
    const offset = Number(url.searchParams.get('pageToken') ? Buffer.from(url.searchParams.get('pageToken')!, 'base64url').toString() : '0');
    const page = all.slice(offset, offset + pageSize);
    const body: Record<string, unknown> = { models: page.map((m) => this.resource(m)) };
    if (offset + pageSize < all.length) body.nextPageToken = Buffer.from(String(offset + pageSize)).toString('base64url');
    sendJson(res, 200, body);
  }

  private getModel(res: ServerResponse, id: string): void {
    const model = this.models.get(id);
    if (!model) return sendGoogleError(res, 404, 'NOT_FOUND', 'Requested entity was not found.');
    // Validation runs on the service's side whoever asks: reading the model also advances it.
    const pending = model.pendingOperation;
    const op = pending ? this.operations.get(pending.id) : undefined;
    if (pending && op) {
      pending.pollsLeft -= 1;
      if (pending.pollsLeft <= 0) this.completeOperation(model, op);
    }
    sendJson(res, 200, this.resource(model));
  }

  private async patch(req: IncomingMessage, res: ServerResponse, id: string, url: URL): Promise<void> {
    const model = this.models.get(id);
    if (!model) return sendGoogleError(res, 404, 'NOT_FOUND', 'Requested entity was not found.');
    const body = await this.jsonBody(req, res);
    if (!body) return;
    const mask = (url.searchParams.get('updateMask') ?? '').split(',').filter(Boolean);
    if (mask.length === 0) return sendGoogleError(res, 400, 'INVALID_ARGUMENT', 'updateMask is required.');
    const unknown = mask.filter((p) => !UPDATABLE_PATHS.has(p));
    if (unknown.length > 0) return sendGoogleError(res, 400, 'INVALID_ARGUMENT', `Invalid update mask paths: ${unknown.join(', ')}`);
    if (model.pendingOperation) return sendGoogleError(res, 400, 'FAILED_PRECONDITION', 'The model is locked by an active operation.');
    const invalid = this.invalidFields({ displayName: mask.includes('displayName') ? body.displayName : undefined, tags: mask.includes('tags') ? body.tags : undefined }, false);
    if (invalid) return sendGoogleError(res, 400, 'INVALID_ARGUMENT', invalid);
    if (mask.includes('state.published')) {
      const wantPublished = (body.state as { published?: boolean } | undefined)?.published === true;
      const fileChanging = mask.includes('tfliteModel.gcsTfliteUri');
      if (wantPublished && !fileChanging && (!model.gcsTfliteUri || model.validationError)) {
        return this.sendFailedOperation(res, model.id, RPC_CODE.FAILED_PRECONDITION, 'Cannot publish a model that is not verified.');
      }
    }
    if (mask.includes('displayName')) {
      const name = body.displayName as string;
      if ([...this.models.values()].some((m) => m.id !== id && m.displayName === name)) {
        return this.sendFailedOperation(res, model.id, RPC_CODE.ALREADY_EXISTS, `Model '${name}' already exists`);
      }
      model.displayName = name;
    }
    if (mask.includes('tags')) model.tags = (body.tags as string[] | undefined) ?? [];
    if (mask.includes('state.published')) model.published = (body.state as { published?: boolean } | undefined)?.published === true;
    model.updateTime = new Date().toISOString();
    model.etagCounter += 1;
    if (mask.includes('tfliteModel.gcsTfliteUri')) {
      const tflite = body.tfliteModel as { gcsTfliteUri?: unknown } | undefined;
      return sendJson(res, 200, this.operationResource(this.startOperation(model, this.sourceFromSignedUrl(tflite?.gcsTfliteUri))));
    }
    const op: FakeOperation = { id: randomBytes(8).toString('hex'), modelId: model.id, done: true };
    this.operations.set(op.id, op);
    sendJson(res, 200, this.operationResource(op));
  }

  private delete(res: ServerResponse, id: string): void {
    if (!this.models.delete(id)) return sendGoogleError(res, 404, 'NOT_FOUND', `Model ${id} not found.`);
    sendJson(res, 200, {});
  }
}
