import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json; charset=utf-8',
  '.sig': 'application/json; charset=utf-8',
  '.tflite': 'application/octet-stream',
  '.md': 'text/markdown; charset=utf-8',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Strong ETags from file content, cached per file identity (device, inode, size, times). The hash
 * is read through the same open handle the body is sent from, so the ETag always describes the
 * bytes of that response, even while a publish renames a new index.json into place.
 */
const etagCache = new Map<string, string>();

async function etagOf(handle: FileHandle, info: Stats): Promise<string> {
  const key = `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
  const cached = etagCache.get(key);
  if (cached) return cached;
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(Math.min(Math.max(info.size, 1), 1024 * 1024));
  for (let position = 0; position < info.size; ) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, info.size - position), position);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  const etag = `"sha256-${hash.digest('hex')}"`;
  if (etagCache.size > 10_000) etagCache.clear();
  etagCache.set(key, etag);
  return etag;
}

/** Maps a URL path to a file under the root; null for traversal, hidden entries or odd bytes. */
function safePath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const parts = decoded.split('/').filter((p) => p.length > 0);
  if (parts.some((p) => p === '..' || p === '.' || p.startsWith('.'))) return null;
  const full = resolve(root, ...parts);
  return full === root || full.startsWith(root + sep) ? full : null;
}

type ByteRange = { start: number; end: number } | 'unsatisfiable' | null;

/**
 * One `bytes=` range (first-last, first-, -suffix) per RFC 9110 §14: a malformed or inverted
 * range, or several ranges, is ignored (the whole file is sent); a range that selects no byte,
 * including any range of an empty file, is unsatisfiable (416).
 */
export function parseRangeHeader(header: string | undefined, size: number): ByteRange {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, first, last] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return null;
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return { start, end };
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

async function handle(root: string, realRoot: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'read-only registry: GET and HEAD only\n', { Allow: 'GET, HEAD' });
  const urlPath = (req.url ?? '/').split('?')[0]!;
  const path = safePath(root, urlPath);
  if (!path) return send(res, 403, 'forbidden path\n');
  let handle: FileHandle;
  try {
    const real = await realpath(path);
    if (real !== realRoot && !real.startsWith(realRoot + sep)) return send(res, 403, 'forbidden path\n');
    handle = await open(real, 'r');
  } catch {
    return send(res, 404, 'not found\n');
  }
  let streaming = false;
  try {
    // Size, ETag and body all come from this one handle: a publish that renames a new file into
    // place meanwhile cannot tear the response or make the ETag describe other bytes.
    const info = await handle.stat();
    if (!info.isFile()) return send(res, 404, 'not found\n');
    const etag = await etagOf(handle, info);
    const immutable = /^\/?[a-z][a-z0-9-]*\/\d+\.\d+\.\d+\//.test(urlPath);
    const headers: Record<string, string> = {
      ETag: etag,
      'Accept-Ranges': 'bytes',
      'Content-Type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
      'Last-Modified': info.mtime.toUTCString(),
      // Version folders never change; the index must be revalidated on every read.
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    };
    if (etagMatches(req.headers['if-none-match'], etag)) {
      res.writeHead(304, headers);
      return void res.end();
    }
    const ifRange = req.headers['if-range'];
    const range = ifRange === undefined || ifRange === etag ? parseRangeHeader(req.headers.range, info.size) : null;
    if (range === 'unsatisfiable') return send(res, 416, 'range not satisfiable\n', { 'Content-Range': `bytes */${info.size}`, ETag: etag });
    const status = range ? 206 : 200;
    const start = range ? range.start : 0;
    const end = range ? range.end : info.size - 1;
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${info.size}`;
    headers['Content-Length'] = String(info.size === 0 ? 0 : end - start + 1);
    res.writeHead(status, headers);
    if (req.method === 'HEAD' || info.size === 0) return void res.end();
    const stream = handle.createReadStream({ start, end, autoClose: true });
    streaming = true;
    stream.on('error', () => res.destroy());
    res.on('close', () => stream.destroy());
    stream.pipe(res);
  } finally {
    if (!streaming) await handle.close();
  }
}

/**
 * A read-only HTTP view of a folder registry for devices and CI: GET/HEAD, strong sha256
 * ETags with If-None-Match, single byte ranges (206/416), no hidden files, no path escape.
 */
export async function serveRegistry(options: { root: string; port: number; host?: string }): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const root = resolve(options.root);
  const realRoot = await realpath(root);
  const server = createServer((req, res) => {
    handle(root, realRoot, req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port, options.host ?? '127.0.0.1', () => ok());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    server,
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
