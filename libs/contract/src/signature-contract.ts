import { z } from 'zod';

/**
 * The signature contract: the one definition of what the converted model exposes to a phone.
 * Written by `model:train` from the trained topology, checked by the Python bridge after
 * conversion, copied into the manifest and read by the Kotlin core. Changing it is a major
 * version, because an app built against one contract cannot drive another.
 */

export const DTYPES = ['float32', 'int32'] as const;

/** One tensor of a signature; `-1` marks a dynamic dimension (only the batch of `infer`). */
export const TensorSpecSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'tensor names are snake_case'),
  shape: z.array(z.number().int().min(-1)),
  dtype: z.enum(DTYPES),
});
export type TensorSpec = z.infer<typeof TensorSpecSchema>;

export const SignatureSpecSchema = z.object({
  inputs: z.array(TensorSpecSchema).min(1, 'LiteRT runSignature rejects an empty input map'),
  outputs: z.array(TensorSpecSchema).min(1),
});
export type SignatureSpec = z.infer<typeof SignatureSpecSchema>;

/** What one segment of the flat training-state vector holds. */
export const STATE_KINDS = ['weight', 'optimizer_slot', 'optimizer_step'] as const;

/**
 * `save` returns, and `restore` takes, ONE float32 vector holding the whole training state
 * (head weights, optimizer slots, step). One tensor means the app persists one checksummed
 * file and never copies per-layer byte sizes by hand.
 */
export const StateSegmentSchema = z.object({
  name: z.string(),
  kind: z.enum(STATE_KINDS),
  shape: z.array(z.number().int().positive()),
  offset: z.number().int().nonnegative(),
  size: z.number().int().positive(),
});
export type StateSegment = z.infer<typeof StateSegmentSchema>;

export const DeviceOptimizerSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('adam'),
    learningRate: z.number().positive(),
    beta1: z.number().gt(0).lt(1).default(0.9),
    beta2: z.number().gt(0).lt(1).default(0.999),
    epsilon: z.number().positive().default(1e-7),
  }),
  z.object({ type: z.literal('sgd'), learningRate: z.number().positive() }),
]);
export type DeviceOptimizer = z.infer<typeof DeviceOptimizerSchema>;

export const HEAD_ACTIVATIONS = ['relu', 'linear', 'softmax'] as const;

/** A dense layer of the trainable head, with its input size resolved from the trained model. */
export const HeadLayerSchema = z.object({
  name: z.string(),
  inputUnits: z.number().int().positive(),
  units: z.number().int().positive(),
  activation: z.enum(HEAD_ACTIVATIONS),
});
export type HeadLayer = z.infer<typeof HeadLayerSchema>;

export const SIGNATURE_NAMES = ['train', 'infer', 'save', 'restore'] as const;
export type SignatureName = (typeof SIGNATURE_NAMES)[number];
/** A pretrained-base model also exposes `features` (image -> embedding), so the phone can cache embeddings. */
export const PRETRAINED_SIGNATURE_NAMES = [...SIGNATURE_NAMES, 'features'] as const;

/**
 * The pretrained base a contract's `features`/`infer` run (absent for a layer base): its format,
 * the output the head reads, the preprocessing baked into the graph, and the sha256 of its files.
 */
export const ContractBaseSchema = z.object({
  pretrained: z.enum(['tfjs-graph-model', 'saved-model', 'keras']),
  featureOutput: z.string().min(1),
  preprocessing: z.object({
    scale: z.number().positive(),
    mean: z.array(z.number()).min(1),
    std: z.array(z.number().positive()).min(1),
    channelOrder: z.enum(['rgb', 'bgr']),
  }),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ContractBase = z.infer<typeof ContractBaseSchema>;

export const SignatureContractSchema = z.object({
  schemaVersion: z.literal(1),
  modelName: z.string(),
  /** Shape of one sample, without the batch dimension, e.g. [28, 28, 1]. */
  inputShape: z.array(z.number().int().positive()).min(1),
  labels: z.array(z.string()).min(2),
  /** `train` has a static batch so every gradient op stays in the builtin set. */
  trainBatchSize: z.number().int().positive(),
  /** Name of the last frozen-base layer whose output feeds the head. */
  baseOutputLayer: z.string(),
  head: z.array(HeadLayerSchema).min(1),
  optimizer: DeviceOptimizerSchema,
  loss: z.literal('categorical_crossentropy'),
  state: z.object({ size: z.number().int().positive(), segments: z.array(StateSegmentSchema).min(1) }),
  signatures: z.object({
    train: SignatureSpecSchema,
    infer: SignatureSpecSchema,
    save: SignatureSpecSchema,
    restore: SignatureSpecSchema,
    /** Pretrained base only: x [-1, H, W, C] in [0, 1] -> embedding [-1, D]. */
    features: SignatureSpecSchema.optional(),
  }),
  /** Pretrained base only: `train` takes embeddings [B, D] instead of images (absent = images). */
  trainInput: z.literal('embedding').optional(),
  /** Pretrained base only: D, the size of the base's feature output and head[0].inputUnits. */
  embeddingSize: z.number().int().positive().optional(),
  base: ContractBaseSchema.optional(),
});
export type SignatureContract = z.infer<typeof SignatureContractSchema>;
