import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHANNEL_REFUSAL_KINDS, checkManifestMatchesChannel, verifyChannelDocument } from './channel-document.ts';
import { CHANNEL_VECTORS_DIR, writeChannelDocumentVectors, type ChannelVectorIndex } from './channel-document-vectors.ts';

// The checked-in golden vectors, read exactly as the Kotlin ChannelDocumentVectorsTest reads them.
const read = (file: string): Buffer => readFileSync(join(CHANNEL_VECTORS_DIR, file));
const index = JSON.parse(read('cases.json').toString('utf8')) as ChannelVectorIndex;
const trusted = index.trustedKeys.map((file) => createPublicKey(read(file).toString('utf8')));
const outcome = (r: { ok: true } | { ok: false; kind: string }): string => (r.ok ? 'ok' : r.kind);

describe('channel document vectors', () => {
  it.each(index.cases.map((c) => [`${c.file} with lastSeen ${c.lastSeen?.sequence ?? 'none'} at ${c.now}: ${c.expect}`, c] as const))('%s', (_, c) => {
    const result = verifyChannelDocument(read(c.file), trusted, { model: c.model, channel: c.channel, now: new Date(c.now), lastSeen: c.lastSeen });
    expect(outcome(result), `${c.why}; got ${JSON.stringify(result)}`).toBe(c.expect);
  });

  it.each(index.manifestCases.map((c) => [`${c.manifestFile} under ${c.channelFile}: ${c.expect}`, c] as const))('%s', (_, c) => {
    const verified = verifyChannelDocument(read(c.channelFile), trusted, { model: 'digits', channel: 'stable', now: new Date(index.cases[0]!.now) });
    if (!verified.ok) throw new Error(`${c.channelFile} should verify: ${verified.reason}`);
    expect(outcome(checkManifestMatchesChannel(verified.signed, read(c.manifestFile))), c.why).toBe(c.expect);
  });

  it('lists every document file and covers every refusal kind', () => {
    const listed = new Set([...index.cases.map((c) => c.file), ...index.manifestCases.flatMap((c) => [c.channelFile, c.manifestFile])]);
    const onDisk = readdirSync(CHANNEL_VECTORS_DIR).filter((f) => f.endsWith('.json') && f !== 'cases.json');
    expect([...listed].sort()).toEqual(onDisk.sort());
    expect(new Set(index.cases.map((c) => c.expect))).toEqual(new Set(['ok', ...CHANNEL_REFUSAL_KINDS]));
  });

  const scratch = mkdtempSync(join(tmpdir(), 'channel-vectors-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('are what the generator writes today (regenerate and commit if this fails)', () => {
    const fresh = writeChannelDocumentVectors(scratch);
    expect(readFileSync(join(scratch, 'cases.json'), 'utf8')).toBe(read('cases.json').toString('utf8'));
    expect(readdirSync(scratch).sort()).toEqual(readdirSync(CHANNEL_VECTORS_DIR).filter((f) => f !== 'README.md').sort());
    const freshTrust = [createPublicKey(readFileSync(join(scratch, fresh.trustedKeys[0]!), 'utf8'))];
    for (const c of fresh.cases) {
      const bytes = readFileSync(join(scratch, c.file));
      const result = verifyChannelDocument(bytes, freshTrust, { model: c.model, channel: c.channel, now: new Date(c.now), lastSeen: c.lastSeen });
      expect(outcome(result), c.file).toBe(c.expect);
    }
  });
});
