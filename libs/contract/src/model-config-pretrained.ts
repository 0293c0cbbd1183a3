import { z } from 'zod';
import { strictConfigObject } from './model-config-keys.ts';
import type { ConfigProblem } from './model-config-shapes.ts';

/**
 * `architecture.base` as an object: a pretrained model used as the frozen feature extractor
 * (train fits the head on its cached features; the phone runs base + head). Kept apart from the
 * layer-array base so that part of the config, and its size checks, stay exactly as they were.
 */

/** The formats a pretrained base may come in; the bridge converts each of them. */
export const PRETRAINED_FORMATS = ['tfjs-graph-model', 'saved-model', 'keras'] as const;
export type PretrainedFormat = (typeof PRETRAINED_FORMATS)[number];

const positive = (what: string) =>
  z.number({ error: `${what} must be a number` }).positive({ error: (issue) => `${what} must be > 0 (got ${String(issue.input)})` });

/**
 * What the base expects its input to look like, applied to pixel values in 0..255:
 * x[c] = (pixel * scale - mean[c]) / std[c], after reordering RGB to BGR when `channelOrder` is
 * "bgr" (mean/std are in the model's order). One formula for server, converter and phone.
 */
export const PreprocessingSchema = strictConfigObject({
  scale: positive('scale'),
  mean: z.array(z.number({ error: 'mean values must be numbers' })).min(1).max(4),
  std: z.array(positive('every std value')).min(1).max(4),
  channelOrder: z.enum(['rgb', 'bgr'], { error: 'channelOrder must be "rgb" or "bgr"' }).default('rgb'),
});
export type Preprocessing = z.infer<typeof PreprocessingSchema>;

/** The pretrained base object (see README "Bring your own base"). */
export const PretrainedBaseSchema = strictConfigObject({
  pretrained: z.enum(PRETRAINED_FORMATS, { error: `pretrained must be one of ${PRETRAINED_FORMATS.map((f) => `"${f}"`).join(', ')}` }),
  /** Relative to the config file: graph model -> its model.json; saved-model -> the folder; keras -> the file. */
  path: z.string().min(1, { error: 'path must name the base model (relative to the config file)' }),
  /** Graph model: output node name (no ":0"); saved-model: serving_default output key. Optional with one output. */
  featureOutput: z
    .string()
    .min(1, { error: 'featureOutput must not be empty; leave it out when the model has exactly one output' })
    .refine((name) => !/:\d+$/.test(name), { error: 'featureOutput is a node name without the ":0" tensor suffix' })
    .optional(),
  preprocessing: PreprocessingSchema,
});
export type PretrainedBase = z.infer<typeof PretrainedBaseSchema>;

/** Checks of a pretrained base that need the rest of the config (inputShape, dataset). */
export function pretrainedProblems(base: PretrainedBase, inputShape: readonly number[]): ConfigProblem[] {
  const channels = inputShape[2]!;
  const problems: ConfigProblem[] = [];
  for (const field of ['mean', 'std'] as const) {
    const values = base.preprocessing[field];
    if (values.length !== channels) {
      problems.push({
        path: ['architecture', 'base', 'preprocessing', field],
        message:
          `${field} has ${values.length} value(s) but inputShape has ${channels} channel(s): a preprocessing spec that does not match the input; ` +
          `give exactly one ${field} per channel (e.g. [${new Array<string>(channels).fill(field === 'mean' ? '0' : '1').join(', ')}])`,
      });
    }
  }
  if (base.preprocessing.channelOrder === 'bgr' && channels < 3) {
    problems.push({ path: ['architecture', 'base', 'preprocessing', 'channelOrder'], message: `channelOrder "bgr" needs 3 or 4 channels but inputShape has ${channels}; use "rgb"` });
  }
  return problems;
}
