import { z } from 'zod';
import { SEMVER_MESSAGE, SEMVER_PATTERN } from './manifest.ts';
import { MANIFEST_SIGNATURE_ALGORITHM } from './manifest-signing.ts';
import { CHANNEL_NAMES, MODEL_NAME_PATTERN } from './registry-index.ts';

/**
 * The shape of a signed channel document (see channel-document.ts for why it exists). Every
 * object is strict (an unknown key is refused), every string is ASCII by construction and every
 * number a safe integer, so the canonical JSON that is signed is the same bytes in TypeScript
 * and Kotlin. The Kotlin core (integrity/ChannelDocument.kt) mirrors each rule here.
 */

/** The `_type` tag: a signature over one kind of document can never be replayed as another. */
export const CHANNEL_DOCUMENT_TYPE = 'odt/channel' as const;

/** Upper bound on signatures per document: a rotation needs two, the bound caps verification work. */
export const MAX_CHANNEL_SIGNATURES = 16;

/**
 * Exactly what Date#toISOString writes (milliseconds, Z). One spelling per instant, so Kotlin's
 * Instant and JavaScript's Date read the same instant; a date like 02-30 that Date.parse would
 * quietly move to March is refused because it does not survive the round trip.
 */
export const CHANNEL_TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Plain base64 with padding, as Java's Base64.getDecoder() accepts it and Buffer decodes it. */
export const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;

/** True for the one accepted spelling of an instant: matches the pattern and reads back unchanged. */
export function isChannelTimestamp(text: string): boolean {
  if (!CHANNEL_TIMESTAMP_PATTERN.test(text)) return false;
  const ms = Date.parse(text);
  return Number.isFinite(ms) && new Date(ms).toISOString() === text;
}

/** Buffer.from ignores non-zero padding bits; refusing them gives each signature one spelling. */
export function isCanonicalBase64(text: string): boolean {
  return Buffer.from(text, 'base64').toString('base64') === text;
}

const timestamp = z
  .string()
  .refine(isChannelTimestamp, 'must be a real instant written as YYYY-MM-DDTHH:MM:SS.sssZ (Date#toISOString)');

/** The part that is signed: which manifest a channel of a model names, in which order, until when. */
export const ChannelSignedSchema = z
  .strictObject({
    _type: z.literal(CHANNEL_DOCUMENT_TYPE),
    schemaVersion: z.literal(1),
    model: z.string().regex(MODEL_NAME_PATTERN),
    channel: z.enum(CHANNEL_NAMES),
    version: z.string().regex(SEMVER_PATTERN, SEMVER_MESSAGE),
    /** sha256 of manifest.json's exact bytes: pins the whole version (the manifest pins each file). */
    manifestSha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** TUF's metadata version: grows by one with every document a channel gets; never reused. */
    sequence: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    issuedAt: timestamp,
    /** After this instant the document is refused: a frozen mirror cannot serve it forever. */
    expiresAt: timestamp,
  })
  .refine((s) => Date.parse(s.issuedAt) < Date.parse(s.expiresAt), { message: 'expiresAt must be after issuedAt', path: ['expiresAt'] });
export type ChannelSigned = z.infer<typeof ChannelSignedSchema>;

/** One signature over the canonical JSON of `signed` (ECDSA P-256, SHA-256, DER, base64). */
export const ChannelSignatureSchema = z.strictObject({
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  algorithm: z.literal(MANIFEST_SIGNATURE_ALGORITHM),
  signature: z
    .string()
    .max(200)
    .regex(BASE64_PATTERN, 'must be base64 with padding')
    .refine(isCanonicalBase64, 'unused bits of the last base64 digit must be zero (one spelling per signature)'),
});
export type ChannelSignature = z.infer<typeof ChannelSignatureSchema>;

/** The envelope TUF uses: the signed body plus detached signatures, one per signing key. */
export const ChannelDocumentSchema = z.strictObject({
  signed: ChannelSignedSchema,
  signatures: z.array(ChannelSignatureSchema).min(1).max(MAX_CHANNEL_SIGNATURES),
});
export type ChannelDocument = z.infer<typeof ChannelDocumentSchema>;
