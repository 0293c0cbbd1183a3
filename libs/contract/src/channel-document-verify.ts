import { verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import { ChannelDocumentSchema, type ChannelDocument, type ChannelSigned } from './channel-document-schema.ts';
import { formatIssues } from './format-issues.ts';
import { sha256Hex } from './manifest-hashes.ts';
import { assertP256, keyIdOf } from './manifest-signing.ts';
import { parseStrictJson } from './strict-json.ts';

/** Why a channel document was refused; each maps to one exit code / one Kotlin ModelError. */
export const CHANNEL_REFUSAL_KINDS = ['malformed', 'bad-signature', 'untrusted-key', 'wrong-channel', 'rollback', 'expired'] as const;
export type ChannelRefusalKind = (typeof CHANNEL_REFUSAL_KINDS)[number];

/** What the reader remembers per (model, channel) after accepting a document: TUF's trusted version. */
export interface ChannelLastSeen {
  sequence: number;
  manifestSha256: string;
}

/** What the reader asked for and knows; `now` is a parameter so tests and vectors pin the clock. */
export interface ChannelExpectation {
  model: string;
  channel: string;
  now: Date;
  lastSeen?: ChannelLastSeen | null;
}

export type ChannelVerification = { ok: true; signed: ChannelSigned } | { ok: false; kind: ChannelRefusalKind; reason: string };

export type ManifestChannelCheck = { ok: true } | { ok: false; kind: 'mix-and-match'; reason: string };

const refuse = (kind: ChannelRefusalKind, reason: string): ChannelVerification => ({ ok: false, kind, reason });

/**
 * The one reader of channel documents (pull, serve and the tests; the Kotlin core mirrors it).
 * Rules, in order: strict JSON and schema -> a trusted key's signature verifies -> model and
 * channel are the ones asked for -> not expired -> not older than (or contradicting) the last
 * document seen. Returns a refusal kind instead of throwing so each caller maps it to its error.
 */
export function verifyChannelDocument(bytes: Uint8Array, trustedKeys: readonly KeyObject[], expect: ChannelExpectation): ChannelVerification {
  if (Number.isNaN(expect.now.getTime())) throw new TypeError('expect.now is an invalid Date');
  trustedKeys.forEach(assertP256);

  const parsed = parseChannelDocument(bytes);
  if (!parsed.ok) return refuse('malformed', parsed.reason);
  const doc = parsed.doc;

  const signature = checkSignatures(doc, trustedKeys);
  if (signature) return signature;

  const { signed } = doc;
  if (signed.model !== expect.model || signed.channel !== expect.channel) {
    return refuse('wrong-channel', `document is for ${signed.model}/${signed.channel}, expected ${expect.model}/${expect.channel}`);
  }
  if (expect.now.getTime() >= Date.parse(signed.expiresAt)) {
    return refuse('expired', `document expired at ${signed.expiresAt} (now ${expect.now.toISOString()}); the publisher must re-sign it`);
  }
  const last = expect.lastSeen;
  if (last && signed.sequence < last.sequence) {
    return refuse('rollback', `sequence ${signed.sequence} is older than the ${last.sequence} already seen`);
  }
  if (last && signed.sequence === last.sequence && signed.manifestSha256 !== last.manifestSha256) {
    return refuse('rollback', `sequence ${signed.sequence} was already seen naming manifest ${last.manifestSha256}, now ${signed.manifestSha256}`);
  }
  return { ok: true, signed };
}

/**
 * Mix-and-match defence: the manifest fetched for a channel must be the one its document signed
 * (same sha256) and must say the model and version the document names. The manifest's own
 * per-file sha256s then pin every file to that version.
 */
export function checkManifestMatchesChannel(signed: ChannelSigned, manifestBytes: Uint8Array): ManifestChannelCheck {
  const mismatch = (reason: string): ManifestChannelCheck => ({ ok: false, kind: 'mix-and-match', reason });
  const actual = sha256Hex(manifestBytes);
  if (actual !== signed.manifestSha256) {
    return mismatch(`manifest sha256 ${actual} is not the ${signed.manifestSha256} that ${signed.channel} names`);
  }
  let manifest: unknown;
  try {
    manifest = parseStrictJson(decodeUtf8(manifestBytes));
  } catch (error) {
    return mismatch(`manifest is not strict JSON: ${(error as Error).message}`);
  }
  const { name, version } = (manifest ?? {}) as { name?: unknown; version?: unknown };
  if (name !== signed.model || version !== signed.version) {
    return mismatch(`manifest is ${String(name)}@${String(version)}, ${signed.channel} names ${signed.model}@${signed.version}`);
  }
  return { ok: true };
}

function parseChannelDocument(bytes: Uint8Array): { ok: true; doc: ChannelDocument } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = parseStrictJson(decodeUtf8(bytes));
  } catch (error) {
    return { ok: false, reason: `not strict JSON: ${(error as Error).message}` };
  }
  const result = ChannelDocumentSchema.safeParse(json);
  return result.success ? { ok: true, doc: result.data } : { ok: false, reason: formatIssues(result.error).join('; ') };
}

/** null when some signature by a trusted key verifies over canonicalJson(signed). */
function checkSignatures(doc: ChannelDocument, trustedKeys: readonly KeyObject[]): ChannelVerification | null {
  const bytes = Buffer.from(canonicalJson(doc.signed), 'utf8');
  const trusted = new Map(trustedKeys.map((key) => [keyIdOf(key), key]));
  const byTrusted = doc.signatures.filter((entry) => trusted.has(entry.keyId));
  if (byTrusted.length === 0) {
    const ids = doc.signatures.map((entry) => entry.keyId).join(', ');
    return refuse('untrusted-key', `signed by ${ids}; trusted keys: ${[...trusted.keys()].join(', ') || 'none'}`);
  }
  const good = byTrusted.some((entry) => verifiesWith(trusted.get(entry.keyId)!, bytes, entry.signature));
  return good ? null : refuse('bad-signature', `no signature by ${byTrusted.map((e) => e.keyId).join(', ')} matches the signed part`);
}

function verifiesWith(key: KeyObject, bytes: Buffer, signatureBase64: string): boolean {
  try {
    return verify('sha256', bytes, { key, dsaEncoding: 'der' }, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false; // malformed DER: the same outcome as a wrong signature
  }
}

/** UTF-8 only, a BOM kept (so refused by the parser) and invalid bytes refused, as in Kotlin. */
function decodeUtf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
}
