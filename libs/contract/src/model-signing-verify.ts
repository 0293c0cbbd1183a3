import { verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { formatIssues } from './format-issues.ts';
import {
  dssePae,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPE,
  MODEL_SIGNATURE_FILE_NAME,
  MODEL_SIGNING_GIT_PATHS,
  MODEL_SIGNING_PREDICATE_TYPE,
  modelSigningKeyHint,
  SIGSTORE_BUNDLE_MEDIA_TYPE,
} from './model-signing-format.ts';
import { isUnderIgnorePath, modelPathProblem, modelSubjectDigest, SHA256_HEX, type ModelFileDigest } from './model-signing-statement.ts';
import { parseStrictJson } from './strict-json.ts';

/** Which files differ between the signature and the folder, each list sorted. */
export interface ModelFileMismatch {
  extra: string[];
  missing: string[];
  changed: string[];
}

/** Why a model.sig was refused, coarse enough for the Kotlin verifier and the vectors to agree on. */
export const MODEL_SIGNATURE_REFUSAL_KINDS = ['malformed', 'untrusted-key', 'bad-signature', 'bad-statement', 'file-mismatch'] as const;
export type ModelSignatureRefusalKind = (typeof MODEL_SIGNATURE_REFUSAL_KINDS)[number];

/** The outcome of verifyModelSignature; a reason instead of an exception so callers map it to their own error. */
export type ModelSignatureCheck =
  | { ok: true; keyHint: string }
  | { ok: false; kind: ModelSignatureRefusalKind; reason: string; files?: ModelFileMismatch };

// Loose shapes: only the fields model_signing reads are required, others are ignored as it does.
const BundleSchema = z.object({
  mediaType: z.string(),
  verificationMaterial: z.object({ publicKey: z.object({ hint: z.string() }) }),
  dsseEnvelope: z.object({
    payload: z.string(),
    payloadType: z.string(),
    signatures: z.array(z.object({ sig: z.string() })),
  }),
});

const StatementSchema = z.object({
  subject: z.array(z.object({ name: z.string(), digest: z.object({ sha256: z.string() }) })),
  predicate: z.object({
    resources: z.array(z.object({ name: z.string(), algorithm: z.string(), digest: z.string() })),
    serialization: z.object({
      method: z.string(),
      hash_type: z.string(),
      allow_symlinks: z.boolean(),
      ignore_paths: z.array(z.string()).optional(),
    }),
  }),
});

class Refused extends Error {
  constructor(
    readonly kind: ModelSignatureRefusalKind,
    reason: string,
  ) {
    super(reason);
  }
}

function refuse(reason: string, kind: ModelSignatureRefusalKind = 'malformed'): never {
  throw new Refused(kind, reason);
}

/** Base64 that re-encodes to itself: Buffer.from would silently skip junk characters. */
function strictBase64(text: string, what: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || bytes.toString('base64') !== text) refuse(`${what} is not base64`);
  return bytes;
}

/** UTF-8 JSON with no key twice; a BOM is kept so it is refused, as Python's json.loads does. */
function strictJsonOf(bytes: Uint8Array, what: string, kind: ModelSignatureRefusalKind): unknown {
  try {
    return parseStrictJson(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch (error) {
    return refuse(`${what} is not strict UTF-8 JSON (${(error as Error).message})`, kind);
  }
}

function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string, kind: ModelSignatureRefusalKind): T {
  const result = schema.safeParse(value);
  if (!result.success) refuse(`${what}: ${formatIssues(result.error).slice(0, 3).join('; ')}`, kind);
  return result.data;
}

/** Picks the trusted key the bundle names and checks the DSSE signature; returns the signed payload. */
function verifiedPayload(bundleBytes: Uint8Array, trustedKeys: readonly KeyObject[]): { payload: Buffer; keyHint: string } {
  const bundle = parsed(BundleSchema, strictJsonOf(bundleBytes, MODEL_SIGNATURE_FILE_NAME, 'malformed'), `${MODEL_SIGNATURE_FILE_NAME} is not a Sigstore bundle`, 'malformed');
  if (bundle.mediaType !== SIGSTORE_BUNDLE_MEDIA_TYPE) refuse(`bundle media type is ${bundle.mediaType}, expected ${SIGSTORE_BUNDLE_MEDIA_TYPE}`);
  const envelope = bundle.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) refuse(`DSSE payload type is ${envelope.payloadType}, expected ${IN_TOTO_PAYLOAD_TYPE}`);
  if (envelope.signatures.length !== 1) refuse(`the envelope holds ${envelope.signatures.length} signatures, expected exactly 1`);
  const keyHint = bundle.verificationMaterial.publicKey.hint;
  const key = trustedKeys.find((candidate) => modelSigningKeyHint(candidate) === keyHint);
  if (!key) refuse(`signed with key hint ${keyHint}, trusted key hints: ${trustedKeys.map(modelSigningKeyHint).join(', ') || 'none'}`, 'untrusted-key');
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') refuse('the trusted key is not ECDSA P-256', 'untrusted-key');
  const payload = strictBase64(envelope.payload, 'the DSSE payload');
  const signature = strictBase64(envelope.signatures[0]!.sig, 'the DSSE signature');
  let good = false;
  try {
    good = verify('sha256', dssePae(IN_TOTO_PAYLOAD_TYPE, payload), { key, dsaEncoding: 'der' }, signature);
  } catch {
    good = false;
  }
  if (!good) refuse(`the DSSE signature does not verify with the trusted key ${keyHint}`, 'bad-signature');
  return { payload, keyHint };
}

/** Checks the signed statement and returns its path -> digest map and the paths it ignores. */
function signedFiles(payload: Buffer): { digests: Map<string, string>; ignorePaths: string[] } {
  const bad = (reason: string): never => refuse(reason, 'bad-statement');
  const raw = strictJsonOf(payload, 'the signed statement', 'bad-statement') as Record<string, unknown> | null;
  if (raw?._type !== IN_TOTO_STATEMENT_TYPE) bad(`statement type is ${String(raw?._type)}, expected ${IN_TOTO_STATEMENT_TYPE}`);
  if (raw!.predicateType !== MODEL_SIGNING_PREDICATE_TYPE) bad(`predicate type is ${String(raw!.predicateType)}, expected ${MODEL_SIGNING_PREDICATE_TYPE}`);
  const statement = parsed(StatementSchema, raw, 'the signed statement', 'bad-statement');
  const { serialization, resources } = statement.predicate;
  if (serialization.method !== 'files' || serialization.hash_type !== 'sha256' || serialization.allow_symlinks) {
    bad(`serialization ${JSON.stringify(serialization)} is not files/sha256 without symlinks`);
  }
  const ignorePaths = serialization.ignore_paths ?? [];
  for (const path of ignorePaths) if (modelPathProblem(path)) bad(`ignore path "${path}" ${modelPathProblem(path)}`);
  if (statement.subject.length !== 1) bad(`the statement has ${statement.subject.length} subjects, expected exactly 1`);
  const digests = new Map<string, string>();
  for (const resource of resources) {
    const problem = modelPathProblem(resource.name);
    if (problem) bad(`signed file "${resource.name}" ${problem}`);
    if (resource.algorithm !== 'sha256' || !SHA256_HEX.test(resource.digest)) bad(`signed file "${resource.name}" has no sha256 hex digest`);
    if (digests.has(resource.name)) bad(`signed file "${resource.name}" is listed twice`);
    digests.set(resource.name, resource.digest);
  }
  if (modelSubjectDigest(resources.map((resource) => resource.digest)) !== statement.subject[0]!.digest.sha256) {
    bad('the subject digest does not match the signed file digests');
  }
  return { digests, ignorePaths };
}

/** Compares the signed files with the folder's, skipping what model_signing would skip. */
function fileMismatch(signed: Map<string, string>, ignorePaths: readonly string[], actualFiles: readonly ModelFileDigest[]): ModelFileMismatch {
  const skipped = [...ignorePaths, MODEL_SIGNATURE_FILE_NAME, ...MODEL_SIGNING_GIT_PATHS];
  const actual = new Map<string, string>();
  for (const file of actualFiles) {
    // A bad list is the caller's bug, not a property of the signature: thrown, not returned.
    if (modelPathProblem(file.path)) throw new Error(`actual file "${file.path}" ${modelPathProblem(file.path)}`);
    if (actual.has(file.path)) throw new Error(`actual file "${file.path}" is listed twice`);
    if (!isUnderIgnorePath(file.path, skipped)) actual.set(file.path, file.sha256);
  }
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    extra: [...actual.keys()].filter((path) => !signed.has(path)).sort(byName),
    missing: [...signed.keys()].filter((path) => !actual.has(path)).sort(byName),
    changed: [...signed.keys()].filter((path) => actual.has(path) && actual.get(path) !== signed.get(path)).sort(byName),
  };
}

function mismatchReason(mismatch: ModelFileMismatch): string {
  const parts = [
    ...mismatch.extra.map((path) => `extra file not in the signature: ${path}`),
    ...mismatch.missing.map((path) => `signed file missing: ${path}`),
    ...mismatch.changed.map((path) => `file changed since signing: ${path}`),
  ];
  return `the folder does not match its signature: ${parts.join('; ')}`;
}

/**
 * Verifies a model.sig bundle (model_signing 1.x key format) against the trusted keys and the
 * folder's actual files (every regular file; model.sig and root git metadata are skipped, as are
 * the bundle's signed ignore_paths, exactly as `model_signing verify` does). Checks, in order:
 * strict JSON, media type, payload type, key hint -> trusted P-256 key, DSSE PAE signature,
 * statement and predicate type, files/sha256 serialization, subject digest, and that the signed
 * path -> digest set equals the folder's (each extra, missing and changed file is named).
 * A malformed actualFiles list (bad or repeated path) is the caller's bug and throws.
 */
export function verifyModelSignature(
  bundleBytes: Uint8Array,
  trustedKeys: readonly KeyObject[],
  actualFiles: readonly ModelFileDigest[],
): ModelSignatureCheck {
  try {
    const { payload, keyHint } = verifiedPayload(bundleBytes, trustedKeys);
    const { digests, ignorePaths } = signedFiles(payload);
    const mismatch = fileMismatch(digests, ignorePaths, actualFiles);
    if (mismatch.extra.length + mismatch.missing.length + mismatch.changed.length > 0) return { ok: false, kind: 'file-mismatch', reason: mismatchReason(mismatch), files: mismatch };
    return { ok: true, keyHint };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, kind: error.kind, reason: error.message };
    throw error;
  }
}
