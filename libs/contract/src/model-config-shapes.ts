import type { BaseLayer } from './model-config.ts';

/** A config problem at a field path, in the shape zod issues take (and formatIssues prints). */
export interface ConfigProblem {
  path: Array<string | number>;
  message: string;
}

/** Output length of a sliding window along one axis, exactly as tfjs computes it (dilation 1). */
export function windowOutputLength(input: number, window: number, stride: number, padding: 'valid' | 'same'): number {
  const length = padding === 'same' ? input : input - window + 1;
  return Math.floor((length + stride - 1) / stride);
}

const describe = (shape: readonly number[]) => `[${shape.join(', ')}]`;
const origin = (index: number) => (index === 0 ? 'inputShape' : `architecture.base.${index - 1}`);

interface Window {
  field: 'kernelSize' | 'poolSize';
  size: number;
  stride: number;
  padding: 'valid' | 'same';
  channels: number;
}

function windowOf(layer: BaseLayer, inputChannels: number): Window | undefined {
  if (layer.type === 'conv2d') return { field: 'kernelSize', size: layer.kernelSize, stride: layer.strides, padding: layer.padding, channels: layer.filters };
  if (layer.type === 'maxPooling2d') return { field: 'poolSize', size: layer.poolSize, stride: layer.poolSize, padding: 'valid', channels: inputChannels };
  return undefined;
}

/** Why this layer cannot take an input of this rank, or undefined when it can. */
function rankProblem(layer: BaseLayer, input: readonly number[], index: number): string | undefined {
  const needsImage = layer.type === 'conv2d' || layer.type === 'maxPooling2d' || layer.type === 'flatten';
  if (needsImage && input.length !== 3) {
    return layer.type === 'flatten'
      ? `flatten needs an image-shaped input but its input (from ${origin(index)}) is already a flat vector ${describe(input)}; remove this flatten`
      : `${layer.type} needs an image-shaped [height, width, channels] input but its input (from ${origin(index)}) is the flat vector ${describe(input)}; put it before "flatten"`;
  }
  if (layer.type === 'dense' && input.length !== 1) {
    return `dense needs a flat input but its input (from ${origin(index)}) is ${describe(input)}; add { "type": "flatten" } before it`;
  }
  return undefined;
}

function outputOf(layer: BaseLayer, input: readonly number[]): number[] {
  const window = windowOf(layer, input[2] ?? 0);
  if (window) {
    const side = (length: number) => windowOutputLength(length, window.size, window.stride, window.padding);
    return [side(input[0]!), side(input[1]!), window.channels];
  }
  if (layer.type === 'flatten') return [input.reduce((a, b) => a * b, 1)];
  if (layer.type === 'dense') return [layer.units];
  return [...input];
}

/** Output shapes of the base layers (no batch axis), or the first problem that stops the trace. */
export interface BaseShapes {
  outputs: number[][];
  problem?: ConfigProblem;
}

/**
 * Walks the base from inputShape the way tfjs will, so a window larger than its input (an
 * output side <= 0) or a layer fed the wrong rank is refused with its path before TensorFlow
 * sees it, and the budget can count parameters and activations.
 */
export function traceBaseShapes(inputShape: readonly number[], base: readonly BaseLayer[]): BaseShapes {
  const outputs: number[][] = [];
  let shape = [...inputShape];
  for (const [index, layer] of base.entries()) {
    const path = ['architecture', 'base', index];
    const rank = rankProblem(layer, shape, index);
    if (rank) return { outputs, problem: { path, message: rank } };
    const output = outputOf(layer, shape);
    const window = windowOf(layer, shape[2] ?? 0);
    if (window && output.some((side) => side <= 0)) {
      const fits = Math.min(shape[0]!, shape[1]!);
      const fix = window.field === 'kernelSize' ? `a kernelSize of at most ${fits} or padding "same"` : `a poolSize of at most ${fits}`;
      const message = `${window.field} ${window.size} does not fit its ${describe(shape)} input (from ${origin(index)}): the output shape would be ${describe(output)}; use ${fix}`;
      return { outputs, problem: { path: [...path, window.field], message } };
    }
    outputs.push(output);
    shape = output;
  }
  if (shape.length !== 1) {
    const message = `the base ends with shape ${describe(shape)} but the head needs a flat vector; end the base with { "type": "flatten" } (dense layers may follow it)`;
    return { outputs, problem: { path: ['architecture', 'base'], message } };
  }
  return { outputs };
}
