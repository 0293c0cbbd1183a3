import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendGoogleError, sendJson } from './http-util.ts';
import { parseMultipartRelated } from './multipart.ts';
import type { OAuthFake } from './oauth-fake.ts';
import {
  BucketStore,
  objectResource,
  preconditionsFrom,
  preconditionsHold,
  type Preconditions,
  type StoredObject,
} from './storage-model.ts';

interface ResumableSession {
  bucket: string;
  name: string;
  meta: { contentType?: string; cacheControl?: string; metadata?: Record<string, string> };
  preconditions: Preconditions;
  received: Buffer[];
  size: number;
}

const PRECONDITION_MESSAGE = 'At least one of the pre-conditions you specified did not hold.';

/**
 * Cloud Storage JSON + upload API, as @google-cloud/storage speaks it in emulator mode
 * (`STORAGE_EMULATOR_HOST`: JSON API paths with or without `/storage/v1`, uploads under
 * `/upload/storage/v1`): object get/list/delete, `alt=media` downloads, multipart and resumable
 * uploads, generation preconditions (412), md5/crc32c in every object resource, and path-style
 * reads (`/{bucket}/{object}`) for signed URLs.
 */
export class StorageFake {
  readonly store = new BucketStore();
  private readonly sessions = new Map<string, ResumableSession>();
  /** Service accounts with a valid token but no Storage role on any bucket (403 on every call). */
  readonly deniedAccounts = new Set<string>();
  /**
   * Test hook: runs when a resumable upload is finalised, just before its preconditions are
   * evaluated, so a test can stage a concurrent writer between session start and finalise.
   */
  beforeResumableFinalise?: (target: { bucket: string; name: string }) => void;

  constructor(
    private readonly baseUrl: () => string,
    private readonly oauth?: OAuthFake,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl());
    const path = url.pathname.replace(/^\/storage\/v1(?=\/b\/)/, '');
    let m: RegExpExecArray | null;
    if (!this.authorized(req, res, url)) return;
    if ((m = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path))) return this.upload(req, res, decodeURIComponent(m[1]!), url);
    if ((m = /^\/b\/([^/]+)$/.exec(path)) && req.method === 'GET') return this.getBucket(res, decodeURIComponent(m[1]!));
    if ((m = /^\/b\/([^/]+)\/o$/.exec(path)) && req.method === 'GET') return this.list(res, decodeURIComponent(m[1]!), url);
    if ((m = /^\/b\/([^/]+)\/o\/(.+)$/.exec(path))) return this.object(req, res, decodeURIComponent(m[1]!), decodeURIComponent(m[2]!), url);
    if ((m = /^\/download\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(path)) && req.method === 'GET') {
      return this.media(res, decodeURIComponent(m[1]!), decodeURIComponent(m[2]!));
    }
    if ((m = /^\/([^/]+)\/(.+)$/.exec(path)) && req.method === 'GET') {
      return this.media(res, decodeURIComponent(m[1]!), decodeURIComponent(m[2]!));
    }
    sendGoogleError(res, 404, 'NOT_FOUND', `No route for ${req.method} ${url.pathname}`, 'notFound');
  }

  /**
   * Token checks on the production route. Requests that reach the fake under the real host name
   * (`storage.googleapis.com`, routed by the publishers' agent) carry `Authorization: Bearer`
   * like production and are checked against the OAuth fake: none or an unknown/expired token ->
   * 401 (the JSON API's "Invalid Credentials", reason authError), a token of an account without
   * a Storage role -> 403 (reason forbidden, "<account> does not have storage.objects.<verb>
   * access ..."). Source: Cloud Storage JSON API docs, "HTTP status and error codes" (401
   * authError, 403 forbidden). Requests addressed to the loopback host (emulator mode,
   * STORAGE_EMULATOR_HOST) are not checked: in emulator mode @google-cloud/storage sends no
   * Authorization header (7.22.0: storage.ts sets `customEndpoint` from STORAGE_EMULATOR_HOST,
   * and nodejs-common util.ts makeAuthenticatedRequestFactory returns the request unauthorised
   * when `customEndpoint && !useAuthWithCustomEndpoint`). Signed-URL reads (path-style
   * `GET /{bucket}/{object}` with X-Goog-Signature) are authorised by the signature instead.
   */
  private authorized(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (host !== 'storage.googleapis.com' || !this.oauth) return true;
    if (req.method === 'GET' && url.searchParams.has('X-Goog-Signature')) return true;
    const check = this.oauth.check(req.headers.authorization);
    if (!check.ok) {
      req.resume();
      sendGoogleError(res, 401, 'UNAUTHENTICATED', 'Invalid Credentials', 'authError', { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' });
      return false;
    }
    if (this.deniedAccounts.has(check.clientEmail)) {
      req.resume();
      const verb = req.method === 'GET' ? 'get' : req.method === 'DELETE' ? 'delete' : 'create';
      sendGoogleError(
        res,
        403,
        'PERMISSION_DENIED',
        `${check.clientEmail} does not have storage.objects.${verb} access to the Google Cloud Storage object. Permission 'storage.objects.${verb}' denied on resource (or it may not exist).`,
        'forbidden',
      );
      return false;
    }
    return true;
  }

  private bucketOr404(res: ServerResponse, bucket: string): Map<string, StoredObject> | undefined {
    const objects = this.store.buckets.get(bucket);
    if (!objects) sendGoogleError(res, 404, 'NOT_FOUND', 'The specified bucket does not exist.', 'notFound');
    return objects;
  }

  private getBucket(res: ServerResponse, bucket: string): void {
    if (!this.bucketOr404(res, bucket)) return;
    sendJson(res, 200, { kind: 'storage#bucket', id: bucket, name: bucket, location: 'US', storageClass: 'STANDARD' });
  }

  private list(res: ServerResponse, bucket: string, url: URL): void {
    const objects = this.bucketOr404(res, bucket);
    if (!objects) return;
    const prefix = url.searchParams.get('prefix') ?? '';
    const items = [...objects.values()]
      .filter((o) => o.name.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((o) => objectResource(o, this.baseUrl()));
    sendJson(res, 200, { kind: 'storage#objects', items });
  }

  private async object(req: IncomingMessage, res: ServerResponse, bucket: string, name: string, url: URL): Promise<void> {
    if (!this.bucketOr404(res, bucket)) return;
    const current = this.store.get(bucket, name);
    const pre = preconditionsFrom(url.searchParams);
    if (req.method === 'GET') {
      if (!current) return sendGoogleError(res, 404, 'NOT_FOUND', `No such object: ${bucket}/${name}`, 'notFound');
      if (!preconditionsHold(current, pre)) return sendGoogleError(res, 412, 'FAILED_PRECONDITION', PRECONDITION_MESSAGE, 'conditionNotMet');
      if (url.searchParams.get('alt') === 'media') return this.media(res, bucket, name);
      return sendJson(res, 200, objectResource(current, this.baseUrl()));
    }
    if (req.method === 'DELETE') {
      if (!current) return sendGoogleError(res, 404, 'NOT_FOUND', `No such object: ${bucket}/${name}`, 'notFound');
      if (!preconditionsHold(current, pre)) return sendGoogleError(res, 412, 'FAILED_PRECONDITION', PRECONDITION_MESSAGE, 'conditionNotMet');
      this.store.delete(bucket, name);
      res.writeHead(204).end();
      return;
    }
    sendGoogleError(res, 405, 'INVALID_ARGUMENT', `${req.method} is not supported on objects by this fake`, 'invalid');
  }

  private media(res: ServerResponse, bucket: string, name: string): void {
    const object = this.store.get(bucket, name);
    if (!object) return sendGoogleError(res, 404, 'NOT_FOUND', `No such object: ${bucket}/${name}`, 'notFound');
    res.writeHead(200, {
      'content-type': object.contentType,
      'content-length': String(object.bytes.length),
      'x-goog-generation': String(object.generation),
      'x-goog-hash': `crc32c=${object.crc32c},md5=${object.md5Hash}`,
    });
    res.end(object.bytes);
  }

  private async upload(req: IncomingMessage, res: ServerResponse, bucket: string, url: URL): Promise<void> {
    if (!this.bucketOr404(res, bucket)) return;
    const uploadType = url.searchParams.get('uploadType');
    if (uploadType === 'multipart' && req.method === 'POST') return this.multipartUpload(req, res, bucket, url);
    if (uploadType === 'media' && req.method === 'POST') {
      const bytes = await readBody(req);
      return this.commit(res, bucket, url.searchParams.get('name') ?? '', bytes, { contentType: req.headers['content-type'] }, preconditionsFrom(url.searchParams));
    }
    if (uploadType === 'resumable' && req.method === 'POST') return this.startResumable(req, res, bucket, url);
    if (uploadType === 'resumable' && req.method === 'PUT') return this.continueResumable(req, res, url);
    sendGoogleError(res, 400, 'INVALID_ARGUMENT', `Unsupported upload: ${req.method} uploadType=${uploadType}`, 'invalid');
  }

  private async multipartUpload(req: IncomingMessage, res: ServerResponse, bucket: string, url: URL): Promise<void> {
    const body = await readBody(req);
    let parts;
    try {
      parts = parseMultipartRelated(String(req.headers['content-type'] ?? ''), body);
    } catch (error) {
      return sendGoogleError(res, 400, 'INVALID_ARGUMENT', `Bad multipart body: ${(error as Error).message}`, 'invalid');
    }
    if (parts.length !== 2) return sendGoogleError(res, 400, 'INVALID_ARGUMENT', 'Multipart upload needs metadata and media parts', 'invalid');
    const meta = JSON.parse(parts[0]!.body.toString('utf8')) as StoredMeta;
    const name = url.searchParams.get('name') ?? meta.name ?? '';
    const expectedMd5 = meta.md5Hash;
    const media = Buffer.from(parts[1]!.body);
    return this.commit(res, bucket, name, media, { ...meta, contentType: meta.contentType ?? parts[1]!.headers['content-type'] }, preconditionsFrom(url.searchParams), expectedMd5);
  }

  private async startResumable(req: IncomingMessage, res: ServerResponse, bucket: string, url: URL): Promise<void> {
    const body = await readBody(req);
    const meta = (body.length > 0 ? JSON.parse(body.toString('utf8')) : {}) as StoredMeta;
    const name = url.searchParams.get('name') ?? meta.name ?? '';
    if (!name) return sendGoogleError(res, 400, 'INVALID_ARGUMENT', 'Object name is required', 'required');
    // Preconditions of a resumable upload are recorded here and evaluated when the upload is
    // finalised (commit below), not when the session starts. Source: Cloud Storage docs,
    // "Request preconditions" / "Resumable uploads" (the precondition applies to the object
    // when the upload completes; a failing one is a 412 on the final request).
    const pre = preconditionsFrom(url.searchParams);
    const id = randomBytes(16).toString('hex');
    this.sessions.set(id, { bucket, name, meta, preconditions: pre, received: [], size: 0 });
    // The session URI names the host the client called (https://storage.googleapis.com on the
    // production route, the emulator's http://host:port otherwise), as the real service does.
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const origin = host === 'storage.googleapis.com' ? 'https://storage.googleapis.com' : this.baseUrl();
    const location = `${origin}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
    res.writeHead(200, { location, 'x-guploader-uploadid': id, 'content-length': '0' });
    res.end();
  }

  private async continueResumable(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const session = this.sessions.get(url.searchParams.get('upload_id') ?? '');
    if (!session) return sendGoogleError(res, 404, 'NOT_FOUND', 'No such upload session', 'notFound');
    const bytes = await readBody(req);
    const range = String(req.headers['content-range'] ?? '');
    const statusQuery = /^bytes \*\/(\d+|\*)$/.exec(range);
    const chunk = /^bytes (\d+)-(\d+|\*)\/(\d+|\*)$/.exec(range);
    if (statusQuery) {
      if (statusQuery[1] !== '*' && Number(statusQuery[1]) === session.size) return this.finishResumable(res, url, session);
      const headers: Record<string, string> = { 'content-length': '0' };
      if (session.size > 0) headers.range = `bytes=0-${session.size - 1}`;
      res.writeHead(308, headers).end();
      return;
    }
    if (range && !chunk) return sendGoogleError(res, 400, 'INVALID_ARGUMENT', `Bad Content-Range: ${range}`, 'invalid');
    if (chunk && Number(chunk[1]) !== session.size) {
      return sendGoogleError(res, 400, 'INVALID_ARGUMENT', `Chunk starts at ${chunk[1]} but ${session.size} bytes were received`, 'invalid');
    }
    session.received.push(bytes);
    session.size += bytes.length;
    const total = chunk?.[3];
    const last = !chunk || chunk[2] === '*' || (total !== undefined && total !== '*' && Number(total) === session.size);
    if (!last) {
      res.writeHead(308, { range: `bytes=0-${session.size - 1}`, 'content-length': '0' }).end();
      return;
    }
    return this.finishResumable(res, url, session);
  }

  private finishResumable(res: ServerResponse, url: URL, session: ResumableSession): void {
    this.sessions.delete(url.searchParams.get('upload_id') ?? '');
    this.beforeResumableFinalise?.({ bucket: session.bucket, name: session.name });
    this.commit(res, session.bucket, session.name, Buffer.concat(session.received), session.meta, session.preconditions);
  }

  private commit(
    res: ServerResponse,
    bucket: string,
    name: string,
    bytes: Buffer,
    meta: StoredMeta,
    pre: Preconditions,
    expectedMd5?: string,
  ): void {
    if (!name) return sendGoogleError(res, 400, 'INVALID_ARGUMENT', 'Object name is required', 'required');
    if (!preconditionsHold(this.store.get(bucket, name), pre)) {
      return sendGoogleError(res, 412, 'FAILED_PRECONDITION', PRECONDITION_MESSAGE, 'conditionNotMet');
    }
    const object = this.store.put(bucket, name, bytes, { contentType: meta.contentType, cacheControl: meta.cacheControl, metadata: meta.metadata });
    if (expectedMd5 && expectedMd5 !== object.md5Hash) {
      this.store.delete(bucket, name);
      return sendGoogleError(res, 400, 'INVALID_ARGUMENT', 'Provided MD5 hash does not match the uploaded content.', 'invalid');
    }
    sendJson(res, 200, objectResource(object, this.baseUrl()));
  }
}

interface StoredMeta {
  name?: string;
  contentType?: string;
  cacheControl?: string;
  md5Hash?: string;
  metadata?: Record<string, string>;
}
