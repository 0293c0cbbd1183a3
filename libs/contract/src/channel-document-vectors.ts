import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { canonicalJson } from './canonical-json.ts';
import { serializeChannelDocument, signChannelDocument, type ChannelDocument, type ChannelSigned } from './channel-document.ts';
import { sha256Hex } from './manifest-hashes.ts';
import { keyIdOf, MANIFEST_SIGNATURE_ALGORITHM } from './manifest-signing.ts';

/*
 * Golden vectors for channel documents, made by the real TypeScript signer and read by both
 * verifiers (channel-document.test.ts and the Kotlin ChannelDocumentVectorsTest), so the two
 * languages cannot drift apart. Regenerate (and commit the result) with:
 *   node --import tsx libs/contract/src/channel-document-vectors.ts
 * The signing key in the folder is a TEST-ONLY key, reused when present so a regeneration only
 * changes signatures (ECDSA signatures are randomized; the tests never compare their bytes).
 */

/** Where the checked-in vectors live; both test suites read from here. */
export const CHANNEL_VECTORS_DIR = fileURLToPath(new URL('../vectors/channel-documents/', import.meta.url));

/** The test-only key pair every vector trusts (never a real signing key). */
export const TEST_KEY_FILES = { privateKey: 'test-only-signing-key.private.pem', publicKey: 'test-only-signing-key.public.pem' } as const;

/** One channel document and the outcome verifyChannelDocument must give for these inputs. */
export interface ChannelVectorCase {
  file: string;
  expect: 'ok' | 'malformed' | 'bad-signature' | 'untrusted-key' | 'wrong-channel' | 'rollback' | 'expired';
  model: string;
  channel: string;
  now: string;
  lastSeen: { sequence: number; manifestSha256: string } | null;
  why: string;
}

/** A verified channel document plus manifest bytes, and what checkManifestMatchesChannel must say. */
export interface ManifestVectorCase {
  channelFile: string;
  manifestFile: string;
  expect: 'ok' | 'mix-and-match';
  why: string;
}

export interface ChannelVectorIndex {
  about: string;
  trustedKeys: string[];
  cases: ChannelVectorCase[];
  manifestCases: ManifestVectorCase[];
}

const MODEL = 'digits';
const NOW = '2026-06-01T12:00:00.000Z';
const ISSUED = '2026-05-20T00:00:00.000Z';
const EXPIRES = '2026-06-19T00:00:00.000Z';

/** Stand-in manifests: only their bytes, `name` and `version` matter to the mix-and-match check. */
function standInManifest(name: string, version: string, build: string): Buffer {
  const body = { schemaVersion: 1, name, version, note: 'stand-in manifest for the channel document vectors', build };
  return Buffer.from(`${JSON.stringify(body, null, 2)}\n`, 'utf8');
}

const MANIFESTS = {
  'manifest-digits-1.0.0.json': standInManifest(MODEL, '1.0.0', 'a'),
  'manifest-digits-1.1.0.json': standInManifest(MODEL, '1.1.0', 'a'),
  'manifest-digits-1.2.0.json': standInManifest(MODEL, '1.2.0', 'a'),
  'manifest-digits-1.2.0-rebuilt.json': standInManifest(MODEL, '1.2.0', 'b'),
  'manifest-fashion-1.2.0.json': standInManifest('fashion', '1.2.0', 'a'),
};
const shaOf = (file: keyof typeof MANIFESTS): string => sha256Hex(MANIFESTS[file]);

function body(overrides: Partial<Record<keyof ChannelSigned, unknown>> & Record<string, unknown> = {}): ChannelSigned {
  return {
    _type: 'odt/channel',
    schemaVersion: 1,
    model: MODEL,
    channel: 'stable',
    version: '1.2.0',
    manifestSha256: shaOf('manifest-digits-1.2.0.json'),
    sequence: 8,
    issuedAt: ISSUED,
    expiresAt: EXPIRES,
    ...overrides,
  } as ChannelSigned;
}

interface Keys {
  trusted: { privateKey: KeyObject; publicKey: KeyObject };
  other: { privateKey: KeyObject; publicKey: KeyObject };
}

/** Signs whatever body it is given (even an invalid one, which signChannelDocument refuses). */
function rawSignature(signed: unknown, signer: Keys['trusted'], keyId = keyIdOf(signer.publicKey)) {
  const der = sign('sha256', Buffer.from(canonicalJson(signed), 'utf8'), { key: signer.privateKey, dsaEncoding: 'der' });
  return { keyId, algorithm: MANIFEST_SIGNATURE_ALGORITHM, signature: der.toString('base64') };
}

/** A signature whose DER length is not a multiple of 3, so its base64 has padding (ECDSA length varies). */
function paddedSignature(signed: unknown, signer: Keys['trusted']): ReturnType<typeof rawSignature> {
  for (;;) {
    const candidate = rawSignature(signed, signer);
    if (candidate.signature.endsWith('=')) return candidate;
  }
}

/** Sets the unused low bits of the last base64 digit: Buffer.from still decodes the same bytes. */
function withPaddingBitsSet(entry: ReturnType<typeof rawSignature>): ReturnType<typeof rawSignature> {
  const base64 = entry.signature;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const pad = base64.endsWith('==') ? 2 : 1;
  const at = base64.length - pad - 1;
  const digit = alphabet.indexOf(base64[at]!) | (pad === 2 ? 0b1111 : 0b11);
  return { ...entry, signature: base64.slice(0, at) + alphabet[digit] + base64.slice(at + 1) };
}

/** `text` with one raw byte inserted right after `marker` (to make bytes that are not UTF-8). */
function withByteAfter(text: string, marker: string, byte: number): Buffer {
  const at = text.indexOf(marker) + marker.length;
  if (at < marker.length) throw new Error(`vector edit failed: ${marker} not found`);
  return Buffer.concat([Buffer.from(text.slice(0, at), 'utf8'), Buffer.from([byte]), Buffer.from(text.slice(at), 'utf8')]);
}

const pretty = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** Every channel document file, as the bytes to write. */
function channelFiles(keys: Keys): Record<string, Buffer | string> {
  const good = (signed: ChannelSigned): Buffer => serializeChannelDocument(signChannelDocument(signed, keys.trusted.privateKey, keys.trusted.publicKey));
  const raw = (signed: unknown, signatures = [rawSignature(signed, keys.trusted)]): string => pretty({ signed, signatures });
  const valid = good(body()).toString('utf8');
  const replaceOnce = (text: string, from: string, to: string): string => {
    if (!text.includes(from)) throw new Error(`vector edit failed: ${from} not found`);
    return text.replace(from, to);
  };
  const otherSignedDoc: ChannelDocument = signChannelDocument(body(), keys.other.privateKey, keys.other.publicKey);
  return {
    '01-valid.json': valid,
    '02-deliberate-rollback.json': good(body({ sequence: 9, version: '1.0.0', manifestSha256: shaOf('manifest-digits-1.0.0.json') })),
    '03-replayed-older-document.json': good(body({ sequence: 7, version: '1.1.0', manifestSha256: shaOf('manifest-digits-1.1.0.json') })),
    '04-equivocation-same-sequence.json': good(body({ manifestSha256: shaOf('manifest-digits-1.2.0-rebuilt.json') })),
    '05-expired.json': good(body({ sequence: 9, issuedAt: '2026-04-01T00:00:00.000Z', expiresAt: '2026-05-01T00:00:00.000Z' })),
    '06-untrusted-key.json': serializeChannelDocument(otherSignedDoc),
    // '2' (0x32) -> '3' (0x33): one bit of signed.version changes after signing.
    '07-flipped-byte-in-version.json': replaceOnce(valid, '"version": "1.2.0"', '"version": "1.3.0"'),
    '08-trusted-key-id-on-another-keys-signature.json': raw(body(), [rawSignature(body(), keys.other, keyIdOf(keys.trusted.publicKey))]),
    '09-duplicate-key-in-signed.json': replaceOnce(valid, '"version": "1.2.0"', '"version": "9.9.9",\n    "version": "1.2.0"'),
    '10-unknown-field-in-signed.json': raw({ ...body(), note: 'signed, but not part of the schema' }),
    '11-unknown-field-in-envelope.json': pretty({ ...JSON.parse(valid), unsigned: 'not part of the schema' }),
    '12-canary-presented-as-stable.json': good(body({ channel: 'canary', sequence: 3 })),
    '13-other-model.json': good(body({ model: 'digits-dev' })),
    '14-version-part-over-nine-digits.json': raw(body({ version: '1.1234567890.0' })),
    '15-sequence-beyond-safe-integer.json': raw(body({ sequence: 2 ** 53 })),
    '16-sequence-written-as-decimal.json': replaceOnce(valid, '"sequence": 8,', '"sequence": 8.0,'),
    '17-negative-sequence.json': raw(body({ sequence: -1 })),
    '18-impossible-date.json': raw(body({ expiresAt: '2026-06-31T00:00:00.000Z' })),
    '19-timestamp-without-milliseconds.json': raw(body({ expiresAt: '2026-06-19T00:00:00Z' })),
    '20-expires-before-issued.json': raw(body({ issuedAt: '2026-07-01T00:00:00.000Z' })),
    '21-no-signatures.json': raw(body(), []),
    '22-untrusted-then-trusted-signature.json': raw(body(), [rawSignature(body(), keys.other), rawSignature(body(), keys.trusted)]),
    '23-wrong-type.json': raw(body({ _type: 'odt/manifest' })),
    '24-schema-version-2.json': raw(body({ schemaVersion: 2 })),
    '25-byte-order-mark.json': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(valid, 'utf8')]),
    '26-invalid-utf8.json': withByteAfter(valid, '"model": "digits', 0xff),
    '27-trailing-comma.json': replaceOnce(valid, '"expiresAt": "2026-06-19T00:00:00.000Z"', '"expiresAt": "2026-06-19T00:00:00.000Z",'),
    '28-signature-not-base64.json': raw(body(), [{ ...rawSignature(body(), keys.trusted), signature: 'MEUCIQ%%' }]),
    '29-signature-with-nonzero-padding-bits.json': raw(body(), [withPaddingBitsSet(paddedSignature(body(), keys.trusted))]),
    '30-escaped-spelling-of-signed-values.json': replaceOnce(valid, '"model": "digits"', '"model": "\\u0064igits"'),
    '31-names-1.2.0-with-manifest-of-1.1.0.json': good(body({ manifestSha256: shaOf('manifest-digits-1.1.0.json') })),
    '32-names-manifest-of-another-model.json': good(body({ manifestSha256: shaOf('manifest-fashion-1.2.0.json') })),
  };
}

function vectorCases(): ChannelVectorCase[] {
  const seen7 = { sequence: 7, manifestSha256: shaOf('manifest-digits-1.1.0.json') };
  const seen8 = { sequence: 8, manifestSha256: shaOf('manifest-digits-1.2.0.json') };
  const at = (file: string, expect: ChannelVectorCase['expect'], why: string, more: Partial<ChannelVectorCase> = {}): ChannelVectorCase => ({
    file,
    expect,
    model: MODEL,
    channel: 'stable',
    now: NOW,
    lastSeen: seen7,
    why,
    ...more,
  });
  return [
    at('01-valid.json', 'ok', 'a newer document (sequence 8 after 7)'),
    at('01-valid.json', 'ok', 'first use: nothing seen yet', { lastSeen: null }),
    at('01-valid.json', 'ok', 'the same document again: nothing new, not a rollback', { lastSeen: seen8 }),
    at('01-valid.json', 'ok', 'one millisecond before expiresAt', { now: '2026-06-18T23:59:59.999Z' }),
    at('01-valid.json', 'expired', 'now == expiresAt counts as expired', { now: EXPIRES }),
    at('02-deliberate-rollback.json', 'ok', 'the publisher rolled back: higher sequence, older version', { lastSeen: seen8 }),
    at('03-replayed-older-document.json', 'rollback', 'a genuine but older document (sequence 7 after 8)', { lastSeen: seen8 }),
    at('04-equivocation-same-sequence.json', 'rollback', 'sequence 8 already seen naming another manifest', { lastSeen: seen8 }),
    at('05-expired.json', 'expired', 'expiresAt before now: a frozen mirror or a publisher that stopped refreshing', { lastSeen: seen8 }),
    at('06-untrusted-key.json', 'untrusted-key', 'signed only by a key the reader does not trust'),
    at('07-flipped-byte-in-version.json', 'bad-signature', 'signed.version changed after signing'),
    at('08-trusted-key-id-on-another-keys-signature.json', 'bad-signature', 'trusted keyId, signature made by another key'),
    at('09-duplicate-key-in-signed.json', 'malformed', 'a key given twice could mean two versions'),
    at('10-unknown-field-in-signed.json', 'malformed', 'signed objects are strict, even when the signature covers the extra field'),
    at('11-unknown-field-in-envelope.json', 'malformed', 'the envelope is strict too'),
    at('12-canary-presented-as-stable.json', 'wrong-channel', 'a valid canary document served for stable'),
    at('13-other-model.json', 'wrong-channel', 'a valid document of another model'),
    at('14-version-part-over-nine-digits.json', 'malformed', 'version parts are at most nine digits'),
    at('15-sequence-beyond-safe-integer.json', 'malformed', 'sequence above 2^53-1 is not exact in JavaScript'),
    at('16-sequence-written-as-decimal.json', 'ok', 'the signature covers the canonical value 8, not the spelling 8.0'),
    at('17-negative-sequence.json', 'malformed', 'sequence is never negative'),
    at('18-impossible-date.json', 'malformed', 'June 31 does not exist (Date.parse would move it to July 1)'),
    at('19-timestamp-without-milliseconds.json', 'malformed', 'one spelling per instant: YYYY-MM-DDTHH:MM:SS.sssZ'),
    at('20-expires-before-issued.json', 'malformed', 'expiresAt must be after issuedAt'),
    at('21-no-signatures.json', 'malformed', 'at least one signature'),
    at('22-untrusted-then-trusted-signature.json', 'ok', 'key rotation: one trusted signature that verifies is enough'),
    at('23-wrong-type.json', 'malformed', 'a signature over another document type is never a channel document'),
    at('24-schema-version-2.json', 'malformed', 'unknown schema version'),
    at('25-byte-order-mark.json', 'malformed', 'plain UTF-8 JSON only, no byte order mark'),
    at('26-invalid-utf8.json', 'malformed', 'bytes that are not UTF-8'),
    at('27-trailing-comma.json', 'malformed', 'strict JSON: no trailing comma'),
    at('28-signature-not-base64.json', 'malformed', 'signature must be padded base64'),
    at('29-signature-with-nonzero-padding-bits.json', 'malformed', 'base64 whose unused bits are set: one signature, one spelling'),
    at('30-escaped-spelling-of-signed-values.json', 'ok', 'a \\u escape spells the same value, so the canonical bytes are the same'),
    at('31-names-1.2.0-with-manifest-of-1.1.0.json', 'ok', 'verifies on its own; see manifestCases', { lastSeen: null }),
    at('32-names-manifest-of-another-model.json', 'ok', 'verifies on its own; see manifestCases', { lastSeen: null }),
  ];
}

function manifestCases(): ManifestVectorCase[] {
  return [
    { channelFile: '01-valid.json', manifestFile: 'manifest-digits-1.2.0.json', expect: 'ok', why: 'the manifest the document signed' },
    { channelFile: '01-valid.json', manifestFile: 'manifest-digits-1.1.0.json', expect: 'mix-and-match', why: 'the manifest of another version' },
    { channelFile: '02-deliberate-rollback.json', manifestFile: 'manifest-digits-1.0.0.json', expect: 'ok', why: 'a rollback document names the older manifest' },
    { channelFile: '01-valid.json', manifestFile: 'manifest-digits-1.2.0-rebuilt.json', expect: 'mix-and-match', why: 'same version number, other bytes' },
    {
      channelFile: '31-names-1.2.0-with-manifest-of-1.1.0.json',
      manifestFile: 'manifest-digits-1.1.0.json',
      expect: 'mix-and-match',
      why: 'hash matches but the manifest says 1.1.0 while the document names 1.2.0',
    },
    {
      channelFile: '32-names-manifest-of-another-model.json',
      manifestFile: 'manifest-fashion-1.2.0.json',
      expect: 'mix-and-match',
      why: 'hash matches but the manifest is another model',
    },
  ];
}

function loadOrCreateTestKey(dir: string): Keys['trusted'] {
  const privatePath = join(dir, TEST_KEY_FILES.privateKey);
  if (existsSync(privatePath)) {
    const privateKey = createPrivateKey(readFileSync(privatePath, 'utf8'));
    return { privateKey, publicKey: createPublicKey(privateKey) };
  }
  const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  writeFileSync(privatePath, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return pair;
}

/** Writes every vector file and cases.json into `dir`, removing JSON files no case lists any more. */
export function writeChannelDocumentVectors(dir: string): ChannelVectorIndex {
  mkdirSync(dir, { recursive: true });
  const trusted = loadOrCreateTestKey(dir);
  writeFileSync(join(dir, TEST_KEY_FILES.publicKey), trusted.publicKey.export({ type: 'spki', format: 'pem' }));
  const keys: Keys = { trusted, other: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) };
  const files: Record<string, Buffer | string> = { ...channelFiles(keys), ...MANIFESTS };
  const index: ChannelVectorIndex = {
    about: 'Channel document vectors written by libs/contract/src/channel-document-vectors.ts; the keys here are TEST-ONLY.',
    trustedKeys: [TEST_KEY_FILES.publicKey],
    cases: vectorCases(),
    manifestCases: manifestCases(),
  };
  files['cases.json'] = pretty(index);
  for (const stale of readdirSync(dir).filter((name) => name.endsWith('.json') && !(name in files))) rmSync(join(dir, stale));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return index;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const index = writeChannelDocumentVectors(CHANNEL_VECTORS_DIR);
  console.log(`wrote ${index.cases.length} channel cases and ${index.manifestCases.length} manifest cases to ${CHANNEL_VECTORS_DIR}`);
}
