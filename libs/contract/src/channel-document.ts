import { sign, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import { CHANNEL_DOCUMENT_TYPE, ChannelSignedSchema, type ChannelDocument, type ChannelSigned } from './channel-document-schema.ts';
import type { ChannelName } from './registry-index.ts';
import { sha256Hex } from './manifest-hashes.ts';
import { assertP256, keyIdOf, MANIFEST_SIGNATURE_ALGORITHM } from './manifest-signing.ts';

/**
 * Signed channel documents: "channel C of model M is version V, whose manifest.json has sha256
 * H; this is document number S; trust it until E". A signed manifest proves a version is genuine
 * but not that it is current, so a mirror or attacker could serve an old signed version
 * (rollback), keep serving one forever (freeze) or serve canary's as stable, or one version's
 * manifest under another's name (mix-and-match). These are TUF's threats; the document answers
 * them with TUF's ideas, kept as is:
 *   - the envelope `{ signed, signatures: [{ keyId, ... }] }`, several signatures for key rotation;
 *   - the signature covers the canonical JSON of `signed` (here @odt/contract's canonicalJson);
 *   - `sequence` is TUF's metadata `version`: a reader refuses a number below the one it saw;
 *   - `expiresAt` is TUF's `expires`: a reader refuses a document at or after it.
 * The libraries themselves are not used (checked: @tufjs/models 5.0.2, tuf-js 6.0.2).
 * @tufjs/models only knows TUF's four roles (root/timestamp/snapshot/targets; any other `_type`
 * throws), signs OLPC canonical JSON (only `"` and `\` escaped, hex signatures, keyIds over the
 * key's JSON), keeps unknown fields instead of refusing them, and tuf-js is a networked updater
 * with its own repository layout and dependencies. Adopting them means a full TUF repository
 * (root, snapshot, timestamp, delegations) and a second canonical form that the Kotlin core,
 * which must verify the same bytes with java.security alone, would have to reimplement. One
 * small document per channel, signed like manifest.sig (P-256, keyIdOf) and over the canonical
 * JSON the core already has, covers the threats this registry faces.
 */
export * from './channel-document-schema.ts';
export * from './channel-document-verify.ts';

/** A new channel document lives this long unless the publisher says otherwise; refresh before. */
export const DEFAULT_CHANNEL_DOCUMENT_LIFETIME_DAYS = 30;

/**
 * The `signed` body naming one version of a channel at one sequence, valid for `lifetimeDays`
 * from `now`: what the registry signs after each commit (it keeps the sequence in its index).
 */
export function channelSignedFor(options: {
  model: string;
  channel: ChannelName;
  version: string;
  manifestSha256: string;
  sequence: number;
  now: Date;
  lifetimeDays?: number;
}): ChannelSigned {
  const lifetimeMs = (options.lifetimeDays ?? DEFAULT_CHANNEL_DOCUMENT_LIFETIME_DAYS) * 24 * 60 * 60 * 1000;
  return ChannelSignedSchema.parse({
    _type: CHANNEL_DOCUMENT_TYPE,
    schemaVersion: 1,
    model: options.model,
    channel: options.channel,
    version: options.version,
    manifestSha256: options.manifestSha256,
    sequence: options.sequence,
    issuedAt: options.now.toISOString(),
    expiresAt: new Date(options.now.getTime() + lifetimeMs).toISOString(),
  });
}

/**
 * The next `signed` body for a channel move (publish, promote, rollback) or a refresh: the
 * sequence is one above the previous document's (1 for the first), so readers see it as newer
 * even when it names an older version.
 */
export function nextChannelSigned(options: {
  model: string;
  channel: ChannelName;
  version: string;
  manifestBytes: Uint8Array;
  previous: ChannelSigned | null;
  now: Date;
  lifetimeDays?: number;
}): ChannelSigned {
  const { manifestBytes, previous, ...rest } = options;
  return channelSignedFor({ ...rest, manifestSha256: sha256Hex(manifestBytes), sequence: (previous?.sequence ?? 0) + 1 });
}

/** Signs the canonical JSON of `signed` (validated first, so nothing invalid is ever signed). */
export function signChannelDocument(signed: ChannelSigned, privateKey: KeyObject, publicKey: KeyObject): ChannelDocument {
  assertP256(privateKey);
  const body = ChannelSignedSchema.parse(signed);
  const signature = sign('sha256', Buffer.from(canonicalJson(body), 'utf8'), { key: privateKey, dsaEncoding: 'der' });
  return {
    signed: body,
    signatures: [{ keyId: keyIdOf(publicKey), algorithm: MANIFEST_SIGNATURE_ALGORITHM, signature: signature.toString('base64') }],
  };
}

/** Adds a second signature (key rotation: old apps trust the old key, new apps the new one). */
export function addChannelSignature(doc: ChannelDocument, privateKey: KeyObject, publicKey: KeyObject): ChannelDocument {
  const [extra] = signChannelDocument(doc.signed, privateKey, publicKey).signatures;
  return { signed: doc.signed, signatures: [...doc.signatures.filter((s) => s.keyId !== extra!.keyId), extra!] };
}

/** The bytes written to disk: pretty JSON and a newline (readers verify the canonical form, not these). */
export function serializeChannelDocument(doc: ChannelDocument): Buffer {
  const { signed, signatures } = doc;
  const ordered = {
    signed: {
      _type: signed._type,
      schemaVersion: signed.schemaVersion,
      model: signed.model,
      channel: signed.channel,
      version: signed.version,
      manifestSha256: signed.manifestSha256,
      sequence: signed.sequence,
      issuedAt: signed.issuedAt,
      expiresAt: signed.expiresAt,
    },
    signatures: signatures.map(({ keyId, algorithm, signature }) => ({ keyId, algorithm, signature })),
  };
  return Buffer.from(`${JSON.stringify(ordered, null, 2)}\n`, 'utf8');
}
