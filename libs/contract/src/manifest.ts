import { z } from 'zod';
import { SignatureContractSchema } from './signature-contract.ts';

/**
 * The manifest: the only thing a consumer needs to trust a model version. It lists every file
 * with its sha256 and size, the signature contract, metrics, the op report summary, the
 * verification result and the lineage. `manifest.json`'s exact bytes are signed; the detached
 * signature lives in `manifest.sig` (see ManifestSignatureSchema).
 */

/**
 * MAJOR.MINOR.PATCH with each part at most MAX_VERSION_PART (nine digits). The bound is what
 * every consumer parses exactly: a JS number, a Kotlin/Java Int and a Python int all hold it.
 */
export const MAX_VERSION_PART = 999_999_999;
export const SEMVER_PATTERN = /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$/;
/** The message every schema gives for a version outside SEMVER_PATTERN. */
export const SEMVER_MESSAGE = `version must be MAJOR.MINOR.PATCH with each part at most ${MAX_VERSION_PART}`;

export const FILE_ROLES = [
  'trainable-model',
  'inference-model',
  'flex-model',
  'contract',
  'op-report',
  'verify-report',
  'metrics',
  'report',
] as const;

export const ManifestFileSchema = z.object({
  path: z.string().regex(/^[A-Za-z0-9._-]+$/, 'file names only, no folders'),
  role: z.enum(FILE_ROLES),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
});
export type ManifestFile = z.infer<typeof ManifestFileSchema>;

export const LineageSchema = z.object({
  gitCommit: z.string().nullable(),
  gitDirty: z.boolean().nullable(),
  configHash: z.string(),
  datasetHash: z.string(),
  nodeVersion: z.string(),
  tfjsNodeVersion: z.string(),
  tfjsTensorflowVersion: z.string(),
  pythonVersion: z.string(),
  converterTensorflowVersion: z.string(),
  /** sha256 over the pipeline's own sources (training, contract, bridge, its lock): what ran. */
  pipelineCodeHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  /**
   * sha256 over everything that decides the trained bytes except the machine: config, dataset,
   * pipeline code and toolchain versions. Equal inputs with other bytes mean numeric noise from
   * another CPU, not a new model (see the version rule).
   */
  inputsHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
export type Lineage = z.infer<typeof LineageSchema>;

export const ManifestSchema = z.object({
  schemaVersion: z.literal(1),
  name: z.string(),
  version: z.string().regex(SEMVER_PATTERN, SEMVER_MESSAGE),
  createdAt: z.string().datetime(),
  parentVersion: z.string().regex(SEMVER_PATTERN, SEMVER_MESSAGE).nullable(),
  /** sha256 of the canonical JSON of `contract`; a change here forces a new major version. */
  contractHash: z.string().regex(/^[0-9a-f]{64}$/),
  /**
   * sha256 over the model files (see contentHashOf): equal content means no new version.
   * Only model bytes count, so a re-run that changes timings or metrics text publishes nothing.
   */
  contentHash: z.string().regex(/^[0-9a-f]{64}$/),
  files: z.array(ManifestFileSchema).min(1),
  contract: SignatureContractSchema,
  labels: z.array(z.string()),
  metrics: z.record(z.string(), z.unknown()),
  opReport: z.object({ builtinOps: z.number().int(), flexOps: z.number().int(), ops: z.array(z.string()) }),
  verification: z.object({ passed: z.boolean(), checks: z.array(z.string()) }),
  lineage: LineageSchema,
});
export type Manifest = z.infer<typeof ManifestSchema>;

/** Detached signature over the exact bytes of manifest.json (ECDSA P-256, SHA-256, DER). */
export const ManifestSignatureSchema = z.object({
  algorithm: z.literal('ECDSA-P256-SHA256'),
  /** First 16 hex chars of sha256 over the public key's SPKI DER; tells keys apart on rotation. */
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  /** Base64 of the DER-encoded signature (what Java's SHA256withECDSA verifies as is). */
  signature: z.string().min(1),
});
export type ManifestSignature = z.infer<typeof ManifestSignatureSchema>;

/** File names every version folder holds besides the files the manifest lists. */
export const MANIFEST_FILE_NAME = 'manifest.json';
export const MANIFEST_SIGNATURE_FILE_NAME = 'manifest.sig';

/** Roles whose bytes make up the model itself; they alone decide the content hash. */
/**
 * Files whose bytes define a version. The Flex flavour is left out: TensorFlow serialises the
 * attribute map inside its Flex custom ops in no fixed order, so converting the same weights
 * twice gives different bytes (seen with TF 2.21) and would otherwise mint a new minor version.
 */
export const MODEL_FILE_ROLES: ReadonlyArray<ManifestFile['role']> = ['trainable-model', 'inference-model'];

/**
 * What `model:version` writes before the registry assigns name, version, time and parent:
 * publishing must not recompute anything a reviewer could have read in the draft.
 */
export const DraftManifestSchema = ManifestSchema.omit({ name: true, version: true, createdAt: true, parentVersion: true });
export type DraftManifest = z.infer<typeof DraftManifestSchema>;
