import { createHash, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compareModelPaths, pythonJsonText } from './model-signing-format.ts';
import {
  REFERENCE_BUNDLE,
  REFERENCE_EDGE_ORDER,
  REFERENCE_FILES,
  REFERENCE_IGNORE_PATHS,
  REFERENCE_PUBLIC_KEY_PEM,
} from './model-signing-reference-bundle.ts';
import {
  buildModelSigningStatement,
  dssePae,
  IN_TOTO_PAYLOAD_TYPE,
  MODEL_SIGNING_IGNORE_PATHS,
  modelSigningKeyHint,
  signModelFiles,
  verifyModelSignature,
  type ModelFileDigest,
} from './model-signing.ts';

const pair = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const FILES: ModelFileDigest[] = [
  { path: 'model.tflite', sha256: sha('weights') },
  { path: 'manifest.json', sha256: sha('manifest') },
  { path: 'assets/labels.txt', sha256: sha('labels') },
];
const OPTIONS = { modelName: '1.0.0' };

type Bundle = { mediaType: string; verificationMaterial: { publicKey: { hint: string } }; dsseEnvelope: { payload: string; signatures: Array<{ sig: string }> } };
const parse = (bytes: Buffer): Bundle => JSON.parse(bytes.toString('utf8')) as Bundle;
const bytesOf = (bundle: unknown): Buffer => Buffer.from(JSON.stringify(bundle));
const payloadOf = (bytes: Buffer): Record<string, any> => JSON.parse(Buffer.from(parse(bytes).dsseEnvelope.payload, 'base64').toString('utf8'));

/** A bundle over any payload text, signed by `signer` and naming `hintKey`: for statements signModelFiles refuses to make. */
function bundleOver(payloadText: string, signer: KeyObject, hintKey: KeyObject): Buffer {
  const payload = Buffer.from(payloadText, 'utf8');
  const sig = sign('sha256', dssePae(IN_TOTO_PAYLOAD_TYPE, payload), { key: signer, dsaEncoding: 'der' });
  return bytesOf({
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: { publicKey: { hint: modelSigningKeyHint(hintKey) }, tlogEntries: [] },
    dsseEnvelope: { payload: payload.toString('base64'), payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [{ sig: sig.toString('base64'), keyid: '' }] },
  });
}

describe('model_signing bundles: round trip', () => {
  const key = pair();
  const bundle = signModelFiles(FILES, key, OPTIONS);

  it('verifies with the signing key among the trusted ones and reports its hint', () => {
    const other = pair();
    expect(verifyModelSignature(bundle, [other.publicKey, key.publicKey], FILES)).toEqual({ ok: true, keyHint: modelSigningKeyHint(key.publicKey) });
  });

  it('has the reference layout: v0.3 bundle, hint of the SPKI PEM, no tlog, one DER signature', () => {
    const parsed = parse(bundle);
    expect(Object.keys(parsed)).toEqual(['mediaType', 'verificationMaterial', 'dsseEnvelope']);
    expect(parsed.verificationMaterial).toEqual({ publicKey: { hint: sha(key.publicKey.export({ type: 'spki', format: 'pem' }) as string) }, tlogEntries: [] });
    expect(Buffer.from(parsed.dsseEnvelope.signatures[0]!.sig, 'base64')[0]).toBe(0x30);
    expect(bundle.toString('utf8')).not.toContain('\n');
  });

  it('signs the statement text as protobuf MessageToJson prints it', () => {
    const payload = Buffer.from(parse(bundle).dsseEnvelope.payload, 'base64').toString('utf8');
    expect(payload).toBe(pythonJsonText(buildModelSigningStatement(FILES, OPTIONS)));
    expect(payloadOf(bundle).predicate.resources.map((r: { name: string }) => r.name)).toEqual(['assets/labels.txt', 'manifest.json', 'model.tflite']);
    expect(payloadOf(bundle).predicate.serialization).toEqual({ hash_type: 'sha256', allow_symlinks: false, ignore_paths: [...MODEL_SIGNING_IGNORE_PATHS], method: 'files' });
  });

  it('skips model.sig and root git metadata in the folder listing, as model_signing does', () => {
    const listing = [...FILES, { path: 'model.sig', sha256: sha('sig') }, { path: '.git/HEAD', sha256: sha('ref') }, { path: '.gitignore', sha256: sha('x') }];
    expect(verifyModelSignature(bundle, [key.publicKey], listing).ok).toBe(true);
    const nested = [...FILES, { path: 'assets/.gitignore', sha256: sha('x') }];
    expect(verifyModelSignature(bundle, [key.publicKey], nested)).toMatchObject({ ok: false, files: { extra: ['assets/.gitignore'] } });
  });
});

describe('model_signing bundles: tampering', () => {
  const key = pair();
  const other = pair();
  const bundle = signModelFiles(FILES, key, OPTIONS);
  const check = (bytes: Buffer, files = FILES) => verifyModelSignature(bytes, [key.publicKey], files);

  it('names every extra, missing and changed file', () => {
    const actual = [{ ...FILES[0]!, sha256: sha('other weights') }, FILES[2]!, { path: 'notes.txt', sha256: sha('n') }];
    const result = check(bundle, actual);
    expect(result).toEqual({
      ok: false,
      kind: 'file-mismatch',
      reason: expect.stringContaining('extra file not in the signature: notes.txt'),
      files: { extra: ['notes.txt'], missing: ['manifest.json'], changed: ['model.tflite'] },
    });
    expect(result.ok || result.reason).toMatch(/signed file missing: manifest.json; file changed since signing: model.tflite/);
  });

  it('refuses another key, and another key signing under the trusted hint', () => {
    expect(check(signModelFiles(FILES, other, OPTIONS))).toMatchObject({ ok: false, kind: 'untrusted-key', reason: expect.stringContaining(modelSigningKeyHint(other.publicKey)) });
    const forged = parse(signModelFiles(FILES, other, OPTIONS));
    forged.verificationMaterial.publicKey.hint = modelSigningKeyHint(key.publicKey);
    expect(check(bytesOf(forged))).toMatchObject({ ok: false, kind: 'bad-signature' });
    expect(verifyModelSignature(bundle, [], FILES)).toMatchObject({ ok: false, kind: 'untrusted-key', reason: expect.stringContaining('none') });
  });

  it('refuses a flipped payload byte, a swapped payload and a non-base64 signature', () => {
    const flipped = parse(bundle);
    const payload = Buffer.from(flipped.dsseEnvelope.payload, 'base64');
    payload[payload.length - 3]! ^= 1;
    flipped.dsseEnvelope.payload = payload.toString('base64');
    expect(check(bytesOf(flipped))).toMatchObject({ ok: false, kind: 'bad-signature' });
    const swapped = parse(bundle);
    swapped.dsseEnvelope.payload = parse(signModelFiles(FILES.slice(1), key, OPTIONS)).dsseEnvelope.payload;
    expect(check(bytesOf(swapped))).toMatchObject({ ok: false, kind: 'bad-signature' });
    const junk = parse(bundle);
    junk.dsseEnvelope.signatures[0]!.sig = `${junk.dsseEnvelope.signatures[0]!.sig.slice(0, -4)}!!!!`;
    expect(check(bytesOf(junk))).toMatchObject({ ok: false, kind: 'malformed', reason: expect.stringContaining('base64') });
  });

  it('refuses duplicate keys, other media types, BOMs and extra signatures before any crypto', () => {
    const text = bundle.toString('utf8');
    const doubled = text.replace('"mediaType":', '"mediaType":"application/x-other","mediaType":');
    expect(check(Buffer.from(doubled))).toMatchObject({ ok: false, kind: 'malformed', reason: expect.stringContaining('duplicate key "mediaType"') });
    expect(check(bytesOf({ ...parse(bundle), mediaType: 'application/vnd.dev.sigstore.bundle.v0.2+json' }))).toMatchObject({ kind: 'malformed', reason: expect.stringContaining('media type') });
    expect(check(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bundle]))).toMatchObject({ kind: 'malformed' });
    const twice = parse(bundle);
    twice.dsseEnvelope.signatures.push(twice.dsseEnvelope.signatures[0]!);
    expect(check(bytesOf(twice))).toMatchObject({ kind: 'malformed', reason: expect.stringContaining('2 signatures') });
    expect(check(Buffer.from('not json'))).toMatchObject({ kind: 'malformed' });
  });

  it('refuses signed statements of another type, predicate, serialization or subject digest', () => {
    const statement = () => buildModelSigningStatement(FILES, OPTIONS) as any;
    const resign = (edit: (s: any) => void) => {
      const s = statement();
      edit(s);
      return check(bundleOver(pythonJsonText(s), key.privateKey, key.publicKey));
    };
    expect(resign(() => undefined)).toMatchObject({ ok: true });
    expect(resign((s) => (s._type = 'https://in-toto.io/Statement/v0.1'))).toMatchObject({ kind: 'bad-statement', reason: expect.stringContaining('statement type') });
    expect(resign((s) => (s.predicateType = 'https://model_signing/Digests/v0.1'))).toMatchObject({ kind: 'bad-statement', reason: expect.stringContaining('predicate type') });
    expect(resign((s) => (s.predicate.serialization.method = 'shards'))).toMatchObject({ kind: 'bad-statement', reason: expect.stringContaining('serialization') });
    expect(resign((s) => (s.predicate.serialization.hash_type = 'blake3'))).toMatchObject({ kind: 'bad-statement' });
    expect(resign((s) => (s.subject[0].digest.sha256 = sha('x')))).toMatchObject({ kind: 'bad-statement', reason: expect.stringContaining('subject digest') });
    expect(resign((s) => s.predicate.resources.push(s.predicate.resources[0]))).toMatchObject({ kind: 'bad-statement' });
    expect(resign((s) => (s.predicate.resources[0].name = '../escape'))).toMatchObject({ kind: 'bad-statement', reason: expect.stringContaining('..') });
    const doubled = pythonJsonText(statement()).replace('"predicateType":', '"predicateType": "x",\n  "predicateType":');
    expect(check(bundleOver(doubled, key.privateKey, key.publicKey))).toMatchObject({ kind: 'bad-statement', reason: expect.stringContaining('duplicate key') });
  });
});

describe('model_signing bundles: agreement with the reference signer', () => {
  const referenceKey = createPublicKey(REFERENCE_PUBLIC_KEY_PEM);

  it('accepts the bundle model_signing wrote, with the files it signed', () => {
    const bundle = Buffer.from(REFERENCE_BUNDLE, 'utf8');
    expect(verifyModelSignature(bundle, [referenceKey], REFERENCE_FILES)).toEqual({ ok: true, keyHint: modelSigningKeyHint(referenceKey) });
    const changed = REFERENCE_FILES.map((f) => (f.path === 'model.bin' ? { ...f, sha256: sha('other') } : f));
    expect(verifyModelSignature(bundle, [referenceKey], changed)).toMatchObject({ ok: false, files: { changed: ['model.bin'] } });
  });

  it('rebuilds the reference payload byte for byte, non-ASCII escapes included', () => {
    const reference = Buffer.from(JSON.parse(REFERENCE_BUNDLE).dsseEnvelope.payload, 'base64').toString('utf8');
    const ours = pythonJsonText(buildModelSigningStatement([...REFERENCE_FILES].reverse(), { modelName: 'sample-ref', ignorePaths: REFERENCE_IGNORE_PATHS }));
    expect(ours).toBe(reference);
    expect(reference).toContain('"sub/\\u00fcnicode.txt"');
  });
});

describe('model_signing path order (Python PurePosixPath)', () => {
  it('puts a folder before a same-prefix file: a/b < a.txt, a/c < a-b/c', () => {
    expect(['a.txt', 'a/b'].sort(compareModelPaths)).toEqual(['a/b', 'a.txt']);
    expect(['a-b/c', 'a/c'].sort(compareModelPaths)).toEqual(['a/c', 'a-b/c']);
    expect(['a/b', 'a'].sort(compareModelPaths)).toEqual(['a', 'a/b']);
  });

  it('orders by code point, so a non-BMP character sorts after U+FB00 unlike a UTF-16 sort', () => {
    expect(['\u{1f600}.bin', '\ufb00.bin'].sort()).toEqual(['\u{1f600}.bin', '\ufb00.bin']);
    expect(['\u{1f600}.bin', '\ufb00.bin'].sort(compareModelPaths)).toEqual(['\ufb00.bin', '\u{1f600}.bin']);
  });

  it('reproduces the order model_signing wrote for the edge folder', () => {
    const shuffled = [...REFERENCE_EDGE_ORDER].reverse().map((path) => ({ path, sha256: sha(path) }));
    const statement = buildModelSigningStatement(shuffled, OPTIONS);
    expect(statement.predicate.resources.map((r) => r.name)).toEqual(REFERENCE_EDGE_ORDER);
    expect(pythonJsonText(statement)).toContain('"\\ud83d\\ude00.bin"');
  });
});

describe('model_signing signing refuses what would not verify', () => {
  const key = pair();
  it.each([
    [[{ path: 'model.sig', sha256: sha('s') }], 'ignore path'],
    [[{ path: '.git/config', sha256: sha('s') }], 'ignore path'],
    [[{ path: 'a//b', sha256: sha('s') }], 'empty'],
    [[{ path: './a', sha256: sha('s') }], "'.'"],
    [[{ path: '/abs', sha256: sha('s') }], 'relative'],
    [[{ path: 'a\\b', sha256: sha('s') }], 'separator'],
    [[{ path: 'a', sha256: 'ABC' }], 'sha256'],
    [[{ path: 'a', sha256: sha('1') }, { path: 'a', sha256: sha('2') }], 'twice'],
  ])('refuses %j', (files, why) => {
    expect(() => signModelFiles(files, key, OPTIONS)).toThrow(why);
  });

  it('refuses ignore paths without the defaults, a mismatched public key and non-P-256 keys', () => {
    expect(() => signModelFiles(FILES, key, { ...OPTIONS, ignorePaths: ['model.sig'] })).toThrow('.gitattributes');
    expect(() => signModelFiles(FILES, { privateKey: key.privateKey, publicKey: pair().publicKey }, OPTIONS)).toThrow('public half');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    expect(() => signModelFiles(FILES, p384, OPTIONS)).toThrow('P-256');
  });
});
