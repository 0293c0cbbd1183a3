/** One part of a `multipart/related` body (metadata JSON, then media, for Storage uploads). */
export interface BodyPart {
  headers: Record<string, string>;
  body: Buffer;
}

/** Splits a `multipart/related; boundary=...` body into parts; throws on a malformed body. */
export function parseMultipartRelated(contentType: string, body: Buffer): BodyPart[] {
  const match = /boundary="?([^";]+)"?/i.exec(contentType);
  if (!match) throw new Error('multipart body without a boundary');
  const delimiter = Buffer.from(`--${match[1]}`);
  const parts: BodyPart[] = [];
  let cursor = body.indexOf(delimiter);
  if (cursor < 0) throw new Error('multipart boundary not found in body');
  for (let guard = 0; guard < 100; guard++) {
    const afterDelimiter = cursor + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') return parts;
    const headerStart = afterDelimiter + 2; // skip CRLF
    const headerEnd = body.indexOf('\r\n\r\n', headerStart);
    if (headerEnd < 0) throw new Error('multipart part without a header end');
    const next = body.indexOf(delimiter, headerEnd + 4);
    if (next < 0) throw new Error('multipart body without a closing boundary');
    const headers: Record<string, string> = {};
    for (const line of body.subarray(headerStart, headerEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let end = next;
    if (body[end - 2] === 0x0d && body[end - 1] === 0x0a) end -= 2;
    parts.push({ headers, body: body.subarray(headerEnd + 4, end) });
    cursor = next;
  }
  throw new Error('multipart body has too many parts');
}
