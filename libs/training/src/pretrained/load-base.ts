import * as tf from '@tensorflow/tfjs-node';
import { OdtError } from '@odt/cli-kit';
import type { Preprocessing, PretrainedBase, PretrainedFormat } from '@odt/contract';
import { baseSha256, resolveBaseFiles, type BaseFiles } from './base-files.ts';
import { loadGraphBase } from './graph-model.ts';
import { loadSavedModelBase } from './saved-model.ts';
import { kerasAsSavedModel } from './keras-base.ts';
import { preprocess } from './preprocess.ts';

/** A pretrained base ready to embed images, with everything the cache key and contract need. */
export interface LoadedBase {
  format: PretrainedFormat;
  files: BaseFiles;
  sha256: string;
  featureOutput: string;
  embeddingSize: number;
  preprocessing: Preprocessing;
  /** x [n, H, W, C] in [0, 1] -> embeddings [n, D]: preprocessing then the frozen base. */
  embed(x: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
}

/** Refuses a base whose input is not inputShape (a -1 dimension accepts any size). */
function requireInputShape(modelShape: number[], inputShape: readonly number[], where: string): void {
  const sample = modelShape.slice(1);
  const fits = sample.length === inputShape.length && sample.every((d, i) => d === -1 || d === inputShape[i]);
  if (!fits) {
    const want = sample.map((d, i) => (d === -1 ? inputShape[i] ?? d : d));
    throw new OdtError('BASE_INVALID', `inputShape [${inputShape.join(', ')}] does not match the base's input [${modelShape.join(', ')}] (${where})`, {
      suggestion: `Set inputShape to [${want.join(', ')}] (the data is resized to it), or use a base that takes [${inputShape.join(', ')}].`,
    });
  }
}

/**
 * Loads the configured base (tfjs graph model, SavedModel, or a Keras file through the SavedModel
 * the bridge exports from it), checks its input against inputShape and probes D with one zero image, so
 * every mismatch surfaces before features are computed.
 */
export async function loadPretrainedBase(base: PretrainedBase, inputShape: readonly number[], configDir: string): Promise<LoadedBase> {
  const files = await resolveBaseFiles(base, configDir);
  const sha256 = await baseSha256(files);
  const loaded = base.pretrained === 'tfjs-graph-model' ? await graphRunner(files.entry, base.featureOutput)
    : base.pretrained === 'saved-model' ? await loadSavedModelBase(files.entry, base.featureOutput)
      : await kerasRunner(files.entry, sha256, base.featureOutput);
  try {
    requireInputShape(loaded.inputShape, inputShape, files.entry);
    const embedRaw = (x: tf.Tensor4D) => tf.tidy(() => loaded.run(preprocess(x, base.preprocessing)));
    const zeros = tf.zeros([1, inputShape[0]!, inputShape[1]!, inputShape[2]!]) as tf.Tensor4D;
    const probe = embedRaw(zeros);
    const shape = probe.shape;
    tf.dispose([zeros, probe]);
    if (shape.length !== 2) {
      throw new OdtError('BASE_INVALID', `featureOutput "${loaded.featureOutput}" of ${files.entry} gives [${shape.join(', ')}] for one image; the head needs a flat [1, D] vector`, {
        suggestion: 'Pick a pooled output (e.g. the global-average-pooling node), or export the base with pooling="avg".',
      });
    }
    return {
      format: base.pretrained,
      files,
      sha256,
      featureOutput: loaded.featureOutput,
      embeddingSize: shape[1]!,
      preprocessing: base.preprocessing,
      embed: (x) => embedRaw(x) as tf.Tensor2D,
      dispose: () => loaded.dispose(),
    };
  } catch (error) {
    loaded.dispose();
    throw error;
  }
}

/** A Keras file through its SavedModel export (tfjs-node runs SavedModels, not Keras files). */
async function kerasRunner(entry: string, sha256: string, featureOutput: string | undefined) {
  const exported = await kerasAsSavedModel(entry, sha256, featureOutput);
  return { ...(await loadSavedModelBase(exported.dir, 'embedding')), featureOutput: exported.featureOutput };
}

/** The graph model as a runner with the same shape as a SavedModel's. */
async function graphRunner(entry: string, featureOutput: string | undefined) {
  const graph = await loadGraphBase(entry, featureOutput);
  return {
    featureOutput: graph.featureOutput,
    inputShape: graph.inputShape,
    dispose: () => graph.model.dispose(),
    run: (x: tf.Tensor4D) => graph.model.execute(x, graph.featureOutput) as tf.Tensor,
  };
}
