import { join } from 'node:path';
import { execa } from 'execa';
import * as tf from '@tensorflow/tfjs-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { isOdtError } from '@odt/cli-kit';
import type { PretrainedBase } from '@odt/contract';
import { tempDir } from '../test-fixtures.ts';
import { loadPretrainedBase, type LoadedBase } from './load-base.ts';
import { kerasAsSavedModel } from './keras-base.ts';
import { readdir } from 'node:fs/promises';
import { FIXTURE_DIR } from './test-fixtures.ts';

const ROOT = join(import.meta.dirname, '../../../..');
const KERAS = join(FIXTURE_DIR, '..', 'mobilenet_v2_035_96.keras');
const MOBILENET = { scale: 2 / 255, mean: [1, 1, 1], std: [1, 1, 1], channelOrder: 'rgb' as const };
const SHAPE = [96, 96, 3];

/** Embeddings of a few seeded images through one base (then disposed). */
async function embed(spec: PretrainedBase): Promise<{ base: LoadedBase; values: Float32Array }> {
  const base = await loadPretrainedBase(spec, SHAPE, '/');
  const images = tf.randomUniform([3, 96, 96, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
  const out = base.embed(images);
  const values = out.dataSync() as Float32Array;
  tf.dispose([images, out]);
  base.dispose();
  return { base, values };
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

/**
 * The three base formats give the same features for the same network: the committed graph model,
 * the Keras file it was converted from (tfjs-node runs the SavedModel the bridge exports from it),
 * and a SavedModel exported by the pinned Keras.
 */
describe('pretrained base formats (real tfjs-node, real bridge)', () => {
  let reference: Float32Array;
  let savedModel: string;

  beforeAll(async () => {
    reference = (await embed({ pretrained: 'tfjs-graph-model', path: join(FIXTURE_DIR, 'model.json'), preprocessing: MOBILENET })).values;
    savedModel = join(await tempDir(), 'saved');
    const script = `import keras; keras.models.load_model(${JSON.stringify(KERAS)}, compile=False).export(${JSON.stringify(savedModel)}, verbose=False)`;
    await execa(join(ROOT, 'python-bridge/.venv/bin/python'), ['-c', script], { env: { TF_CPP_MIN_LOG_LEVEL: '3' } });
  }, 240_000);

  it('a Keras file: exported by the bridge, the features match the graph model, the layer is recorded', async () => {
    const { base, values } = await embed({ pretrained: 'keras', path: KERAS, preprocessing: MOBILENET });
    expect(base.format).toBe('keras');
    expect(base.embeddingSize).toBe(1280);
    expect(base.featureOutput).toBe('global_average_pooling2d');
    expect(base.files.files).toEqual(['mobilenet_v2_035_96.keras']);
    expect(maxAbsDiff(values, reference)).toBeLessThan(1e-4 * Math.max(1, ...Array.from(reference, Math.abs)));
  }, 240_000);

  it('two processes exporting the same Keras base at once both get it, and nothing is left behind', async () => {
    const cache = await tempDir();
    const both = await Promise.all([1, 2].map(() => kerasAsSavedModel(KERAS, 'same-base', undefined, cache)));
    expect(both[0]).toEqual(both[1]);
    expect(both[0]!.featureOutput).toBe('global_average_pooling2d');
    expect((await readdir(cache)).sort()).toEqual([`${both[0]!.dir.split('/').pop()}`, `${both[0]!.dir.split('/').pop()}.json`]);
  }, 240_000);

  it('a Keras layer that does not exist is BASE_INVALID naming the layers', async () => {
    const error = await loadPretrainedBase({ pretrained: 'keras', path: KERAS, featureOutput: 'no_such_layer', preprocessing: MOBILENET }, SHAPE, '/').then(
      () => new Error('expected a refusal'),
      (e: unknown) => e as Error,
    );
    expect(isOdtError(error, 'BASE_INVALID')).toBe(true);
    expect(error.message).toContain("featureOutput 'no_such_layer' is not a layer of the Keras base");
  }, 240_000);

  it('a SavedModel: serving_default output key, same features', async () => {
    const { base, values } = await embed({ pretrained: 'saved-model', path: savedModel, preprocessing: MOBILENET });
    expect([base.format, base.featureOutput, base.embeddingSize]).toEqual(['saved-model', 'output_0', 1280]);
    expect(maxAbsDiff(values, reference)).toBeLessThan(1e-4 * Math.max(1, ...Array.from(reference, Math.abs)));
    const error = await loadPretrainedBase({ pretrained: 'saved-model', path: savedModel, featureOutput: 'logits', preprocessing: MOBILENET }, SHAPE, '/').then(
      () => new Error('expected a refusal'),
      (e: unknown) => e as Error,
    );
    expect(isOdtError(error, 'BASE_INVALID')).toBe(true);
    expect(error.message).toContain('its outputs are "output_0"');
  }, 240_000);
});
