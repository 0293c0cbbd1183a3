import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.ts';
import {
  addChannelSignature,
  checkManifestMatchesChannel,
  nextChannelSigned,
  serializeChannelDocument,
  signChannelDocument,
  verifyChannelDocument,
  type ChannelSigned,
} from './channel-document.ts';
import { sha256Hex } from './manifest-hashes.ts';
import { keyIdOf } from './manifest-signing.ts';

const pair = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const now = new Date('2026-06-01T12:00:00.000Z');
const manifest = Buffer.from('{"name":"digits","version":"1.2.0"}\n');
const expectation = { model: 'digits', channel: 'stable', now };

function signedBody(previous: ChannelSigned | null = null): ChannelSigned {
  return nextChannelSigned({ model: 'digits', channel: 'stable', version: '1.2.0', manifestBytes: manifest, previous, now, lifetimeDays: 7 });
}

describe('signChannelDocument -> serializeChannelDocument -> verifyChannelDocument', () => {
  it('round-trips with the signing key and reports the signed body', () => {
    const key = pair();
    const doc = signChannelDocument(signedBody(), key.privateKey, key.publicKey);
    const bytes = serializeChannelDocument(doc);
    expect(bytes.toString('utf8')).toMatch(/^\{\n {2}"signed": \{\n {4}"_type": "odt\/channel",[\s\S]*\n\}\n$/);
    expect(doc.signatures[0]).toMatchObject({ keyId: keyIdOf(key.publicKey), algorithm: 'ECDSA-P256-SHA256' });
    expect(Buffer.from(doc.signatures[0]!.signature, 'base64')[0]).toBe(0x30); // DER SEQUENCE, as Java expects
    expect(verifyChannelDocument(bytes, [pair().publicKey, key.publicKey], expectation)).toEqual({ ok: true, signed: doc.signed });
  });

  it('signs the canonical JSON of `signed`, so key order and spacing on disk do not matter', () => {
    const key = pair();
    const doc = signChannelDocument(signedBody(), key.privateKey, key.publicKey);
    const reordered = Object.fromEntries(Object.entries(doc.signed).reverse());
    const compact = Buffer.from(JSON.stringify({ signatures: doc.signatures, signed: reordered }));
    expect(canonicalJson(reordered)).toBe(canonicalJson(doc.signed));
    expect(verifyChannelDocument(compact, [key.publicKey], expectation).ok).toBe(true);
  });

  it('refuses to sign an invalid body or with a key that is not P-256', () => {
    const key = pair();
    expect(() => signChannelDocument({ ...signedBody(), version: '01.2.0' }, key.privateKey, key.publicKey)).toThrow(/version/);
    expect(() => signChannelDocument({ ...signedBody(), sequence: 2 ** 53 }, key.privateKey, key.publicKey)).toThrow();
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    expect(() => signChannelDocument(signedBody(), p384.privateKey, p384.publicKey)).toThrow(/P-256/);
  });

  it('accepts a document signed by the old and the new key during a rotation, with either key trusted', () => {
    const [oldKey, newKey] = [pair(), pair()];
    const doc = addChannelSignature(signChannelDocument(signedBody(), oldKey.privateKey, oldKey.publicKey), newKey.privateKey, newKey.publicKey);
    expect(doc.signatures.map((s) => s.keyId)).toEqual([keyIdOf(oldKey.publicKey), keyIdOf(newKey.publicKey)]);
    const bytes = serializeChannelDocument(doc);
    expect(verifyChannelDocument(bytes, [oldKey.publicKey], expectation).ok).toBe(true);
    expect(verifyChannelDocument(bytes, [newKey.publicKey], expectation).ok).toBe(true);
    expect(verifyChannelDocument(bytes, [pair().publicKey], expectation)).toMatchObject({ ok: false, kind: 'untrusted-key' });
  });

  it('refuses an invalid clock instead of treating every document as unexpired', () => {
    const key = pair();
    const bytes = serializeChannelDocument(signChannelDocument(signedBody(), key.privateKey, key.publicKey));
    expect(() => verifyChannelDocument(bytes, [key.publicKey], { ...expectation, now: new Date(Number.NaN) })).toThrow(TypeError);
  });
});

describe('nextChannelSigned', () => {
  it('starts at sequence 1, then counts up from the previous document, and expires after the lifetime', () => {
    const first = signedBody();
    expect(first).toMatchObject({ sequence: 1, manifestSha256: sha256Hex(manifest), issuedAt: now.toISOString(), expiresAt: '2026-06-08T12:00:00.000Z' });
    expect(signedBody({ ...first, sequence: 41 }).sequence).toBe(42);
  });
});

describe('checkManifestMatchesChannel', () => {
  it('accepts the signed manifest and refuses other bytes, even unreadable ones with the right hash', () => {
    expect(checkManifestMatchesChannel(signedBody(), manifest)).toEqual({ ok: true });
    expect(checkManifestMatchesChannel(signedBody(), Buffer.from(`${manifest} `))).toMatchObject({ ok: false, kind: 'mix-and-match' });
    const garbage = Buffer.from('not json');
    expect(checkManifestMatchesChannel({ ...signedBody(), manifestSha256: sha256Hex(garbage) }, garbage)).toMatchObject({
      ok: false,
      kind: 'mix-and-match',
      reason: expect.stringMatching(/strict JSON/),
    });
  });
});
