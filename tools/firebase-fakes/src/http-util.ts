import type { IncomingMessage, ServerResponse } from 'node:http';

/** Reads a whole request body; fakes keep fixtures tiny, so buffering is fine and simpler. */
export async function readBody(req: IncomingMessage, limitBytes = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new Error(`request body over ${limitBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Sends JSON the way Google APIs do (UTF-8, explicit length). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Google's error envelope: `{"error":{"code","message","status","errors":[{"reason"}]}}`. */
export function sendGoogleError(
  res: ServerResponse,
  code: number,
  status: string,
  message: string,
  reason?: string,
  headers: Record<string, string> = {},
): void {
  const error: Record<string, unknown> = { code, message, status };
  if (reason) error.errors = [{ message, domain: 'global', reason }];
  sendJson(res, code, { error }, headers);
}

/** HTTP status to the canonical google.rpc status name the real services put in errors. */
export const RPC_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};
