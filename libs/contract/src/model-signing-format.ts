import { createHash, type KeyObject } from 'node:crypto';

// The wire format of OpenSSF Model Signing (model_signing 1.x, "key" method): a Sigstore bundle
// v0.3 holding a DSSE envelope over an in-toto Statement v1. Only the parts both our signer and
// our verifiers need live here; the statement and the bundle have their own files.

/** The bundle's file name inside a model folder: what `model_signing verify` looks for by default. */
export const MODEL_SIGNATURE_FILE_NAME = 'model.sig';

/** The only bundle media type model_signing 1.x writes and accepts for key signatures. */
export const SIGSTORE_BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** DSSE payload type of an in-toto statement; it is also what the PAE signs over. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** The statement version model_signing checks before reading the predicate. */
export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';

/** The predicate model_signing 1.x reads (resources + serialization). */
export const MODEL_SIGNING_PREDICATE_TYPE = 'https://model_signing/signature/v1.0';

/** Root-level git paths model_signing always skips (ignore_git_paths defaults to true). */
export const MODEL_SIGNING_GIT_PATHS: readonly string[] = ['.git', '.gitattributes', '.github', '.gitignore'];

/** What a model folder's signature never covers: the signature itself and git metadata. */
export const MODEL_SIGNING_IGNORE_PATHS: readonly string[] = [MODEL_SIGNATURE_FILE_NAME, ...MODEL_SIGNING_GIT_PATHS];

/** DSSE v1 pre-authentication encoding, the exact bytes an envelope signature covers. */
export function dssePae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/**
 * The bundle's verificationMaterial.publicKey.hint: sha256 hex of the key's SPKI PEM text (64
 * base64 columns, LF line ends, trailing LF), exactly as Python's cryptography writes it.
 */
export function modelSigningKeyHint(publicKey: KeyObject): string {
  const pem = publicKey.export({ type: 'spki', format: 'pem' });
  return createHash('sha256').update(pem).digest('hex');
}

/** Code points of a string (not UTF-16 units, which order U+1F600 before U+FB00). */
function codePoints(text: string): number[] {
  return Array.from(text, (char) => char.codePointAt(0)!);
}

function compareCodePoints(a: string, b: string): number {
  const ca = codePoints(a);
  const cb = codePoints(b);
  for (let i = 0; i < Math.min(ca.length, cb.length); i += 1) {
    if (ca[i] !== cb[i]) return ca[i]! - cb[i]!;
  }
  return ca.length - cb.length;
}

/**
 * The order model_signing lists resources in: Python PurePosixPath ordering, which compares the
 * '/'-separated parts one by one by code point, so 'a/b' sorts before 'a.txt' and 'a-b/c'.
 */
export function compareModelPaths(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i += 1) {
    const order = compareCodePoints(pa[i]!, pb[i]!);
    if (order !== 0) return order;
  }
  return pa.length - pb.length;
}

/**
 * JSON text as protobuf's Python MessageToJson prints it (json.dumps indent=2, ensure_ascii):
 * everything outside printable ASCII escaped as \uXXXX, non-BMP characters as surrogate pairs.
 * Matching it byte for byte keeps our payloads identical to the reference signer's.
 */
export function pythonJsonText(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
