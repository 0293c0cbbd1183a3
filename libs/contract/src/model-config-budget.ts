import type { BaseLayer, HeadLayerConfig } from './model-config.ts';
import { CONFIG_LIMITS, formatBytes, formatCount } from './model-config-limits.ts';
import { traceBaseShapes, type ConfigProblem } from './model-config-shapes.ts';

/** The parts of a config that decide the model's size. */
export interface ArchitectureInput {
  inputShape: readonly number[];
  batchSize: number;
  architecture: { base: readonly BaseLayer[]; head: readonly HeadLayerConfig[] };
}

/** What training this architecture costs, estimated from the config alone. */
export interface TrainingEstimate {
  parameters: number;
  largestLayer: { path: string; parameters: number };
  /** Values every layer outputs for one sample, input included. */
  activationsPerSample: number;
  memoryBytes: number;
}

/** float32 weight, its gradient, and Adam's two slots. */
const BYTES_PER_PARAMETER = 16;
/** float32 forward value kept for the backward pass, and its gradient. */
const BYTES_PER_TRAINING_ACTIVATION = 8;
/** evaluate() predicts this many samples at once (forward only, float32). */
const EVALUATION_BATCH = 256;

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function baseLayerParameters(layer: BaseLayer, input: readonly number[]): number {
  if (layer.type === 'conv2d') return layer.kernelSize * layer.kernelSize * input[2]! * layer.filters + layer.filters;
  if (layer.type === 'dense') return input[0]! * layer.units + layer.units;
  return 0;
}

/** Parameters and peak memory of one training step; `outputs` are the traced base shapes. */
export function estimateTraining(config: ArchitectureInput, outputs: readonly number[][]): TrainingEstimate {
  const layers: Array<{ path: string; parameters: number }> = [];
  let input: readonly number[] = config.inputShape;
  config.architecture.base.forEach((layer, i) => {
    layers.push({ path: `architecture.base.${i}`, parameters: baseLayerParameters(layer, input) });
    input = outputs[i]!;
  });
  let features = input[0]!;
  config.architecture.head.forEach((layer, i) => {
    layers.push({ path: `architecture.head.${i}`, parameters: features * layer.units + layer.units });
    features = layer.units;
  });
  const parameters = layers.reduce((n, l) => n + l.parameters, 0);
  const largestLayer = layers.reduce((a, b) => (b.parameters > a.parameters ? b : a));
  const activationsPerSample =
    product(config.inputShape) + outputs.reduce((n, s) => n + product(s), 0) + config.architecture.head.reduce((n, l) => n + l.units, 0);
  const bytesPerActivation = Math.max(config.batchSize * BYTES_PER_TRAINING_ACTIVATION, EVALUATION_BATCH * 4);
  return { parameters, largestLayer, activationsPerSample, memoryBytes: parameters * BYTES_PER_PARAMETER + activationsPerSample * bytesPerActivation };
}

/**
 * Shape and size problems of an architecture, checked before TensorFlow sees it: a window that
 * does not fit, a layer fed the wrong rank, too many parameters, or a training step that would
 * need more memory than the limit (which otherwise ends in an OOM kill with no message).
 */
export function architectureProblems(config: ArchitectureInput): ConfigProblem[] {
  const shapes = traceBaseShapes(config.inputShape, config.architecture.base);
  if (shapes.problem) return [shapes.problem];
  const estimate = estimateTraining(config, shapes.outputs);
  const problems: ConfigProblem[] = [];
  if (estimate.parameters > CONFIG_LIMITS.parameters) {
    problems.push({
      path: ['architecture'],
      message:
        `the model would have ${formatCount(estimate.parameters)} parameters, above the limit of ${formatCount(CONFIG_LIMITS.parameters)} ` +
        `(largest: ${estimate.largestLayer.path} with ${formatCount(estimate.largestLayer.parameters)}); use fewer units or filters, or pool before flatten`,
    });
  }
  if (estimate.memoryBytes > CONFIG_LIMITS.trainingMemoryBytes) {
    problems.push({
      path: ['architecture'],
      message:
        `training would need an estimated ${formatBytes(estimate.memoryBytes)} of memory (${formatCount(estimate.parameters)} parameters, ` +
        `${formatCount(estimate.activationsPerSample)} activations per sample at batchSize ${config.batchSize}), above the limit of ` +
        `${formatBytes(CONFIG_LIMITS.trainingMemoryBytes)}; lower batchSize, filters or units, or use a smaller inputShape`,
    });
  }
  return problems;
}
