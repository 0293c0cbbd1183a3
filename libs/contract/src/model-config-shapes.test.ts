import { describe, expect, it } from 'vitest';
import { traceBaseShapes, windowOutputLength } from './model-config-shapes.ts';
import { BaseLayerSchema } from './model-config.ts';

const layers = (raw: unknown[]) => raw.map((l) => BaseLayerSchema.parse(l));

describe('base layer shapes', () => {
  it('computes window outputs as tfjs does for valid and same padding', () => {
    expect(windowOutputLength(28, 3, 1, 'valid')).toBe(26);
    expect(windowOutputLength(11, 2, 2, 'valid')).toBe(5);
    expect(windowOutputLength(28, 3, 5, 'same')).toBe(6);
    expect(windowOutputLength(28, 3, 5, 'valid')).toBe(6);
    expect(windowOutputLength(13, 20, 1, 'valid')).toBe(-6);
  });

  it('traces the default base to the 800 features its head reads', () => {
    const base = layers([
      { type: 'conv2d', filters: 16, kernelSize: 3 },
      { type: 'maxPooling2d', poolSize: 2 },
      { type: 'conv2d', filters: 32, kernelSize: 3 },
      { type: 'maxPooling2d', poolSize: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 128 },
    ]);
    expect(traceBaseShapes([28, 28, 1], base)).toEqual({ outputs: [[26, 26, 16], [13, 13, 16], [11, 11, 32], [5, 5, 32], [800], [128]] });
  });

  it('names the layer field and the computed shape when a window does not fit', () => {
    const base = layers([{ type: 'maxPooling2d', poolSize: 2 }, { type: 'conv2d', filters: 8, kernelSize: 15 }, { type: 'flatten' }]);
    expect(traceBaseShapes([28, 28, 1], base).problem).toEqual({
      path: ['architecture', 'base', 1, 'kernelSize'],
      message: 'kernelSize 15 does not fit its [14, 14, 1] input (from architecture.base.0): the output shape would be [0, 0, 8]; use a kernelSize of at most 14 or padding "same"',
    });
    const same = layers([{ type: 'conv2d', filters: 8, kernelSize: 15, padding: 'same', strides: 2 }, { type: 'flatten' }]);
    expect(traceBaseShapes([14, 14, 1], same)).toEqual({ outputs: [[7, 7, 8], [392]] });
  });

  it('refuses layers fed the wrong rank and a base that does not end flat', () => {
    expect(traceBaseShapes([28, 28, 1], layers([{ type: 'flatten' }, { type: 'conv2d', filters: 2, kernelSize: 3 }])).problem?.message).toMatch(
      /^conv2d needs an image-shaped \[height, width, channels\] input but its input \(from architecture.base.0\) is the flat vector \[784\]/,
    );
    expect(traceBaseShapes([28, 28, 1], layers([{ type: 'dense', units: 4 }])).problem?.path).toEqual(['architecture', 'base', 0]);
    expect(traceBaseShapes([28, 28, 1], layers([{ type: 'flatten' }, { type: 'flatten' }])).problem?.message).toContain('remove this flatten');
    expect(traceBaseShapes([28, 28, 1], layers([{ type: 'conv2d', filters: 2, kernelSize: 3 }])).problem).toEqual({
      path: ['architecture', 'base'],
      message: 'the base ends with shape [26, 26, 2] but the head needs a flat vector; end the base with { "type": "flatten" } (dense layers may follow it)',
    });
  });
});
