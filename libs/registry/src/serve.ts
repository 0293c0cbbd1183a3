import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
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

/** Strong ETags from file content, cached per (path, size, mtime, inode) so a file is hashed once. */
const etagCache = new Map<string, { key: string; etag: string }>();

async function etagOf(path: string, size: number, mtimeMs: number, ino: number): Promise<string> {
  const key = `${size}:${mtimeMs}:${ino}`;
  const cached = etagCache.get(path);
  if (cached?.key === key) return cached.etag;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const etag = `"sha256-${hash.digest('hex')}"`;
  if (etagCache.size > 10_000) etagCache.clear();
  etagCache.set(path, { key, etag });
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

/** One `bytes=` range (first-last, first-, -suffix); several ranges are answered with the whole file. */
export function parseRangeHeader(header: string | undefined, size: number): ByteRange {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, first, last] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || (last !== '' && Number(last) < start)) return 'unsatisfiable';
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
  let info;
  try {
    const real = await realpath(path);
    if (real !== realRoot && !real.startsWith(realRoot + sep)) return send(res, 403, 'forbidden path\n');
    info = await stat(real);
  } catch {
    return send(res, 404, 'not found\n');
  }
  if (!info.isFile()) return send(res, 404, 'not found\n');
  const etag = await etagOf(path, info.size, info.mtimeMs, info.ino);
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
  const stream = createReadStream(path, { start, end });
  stream.on('error', () => res.destroy());
  stream.pipe(res);
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
