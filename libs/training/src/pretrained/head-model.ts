import * as tf from '@tensorflow/tfjs-node';
import { buildSignatureContract, type HeadLayer, type PretrainedModelConfig, type SignatureContract } from '@odt/contract';
import { compileForTraining, headDense, headLayerName } from '../build-model.ts';
import type { LoadedBase } from './load-base.ts';

/**
 * The trainable head on its own: dense layers named head_<i>_dense taking [D] embeddings (the
 * first one declares inputShape [D]), seeded like the layer-base head. Saved as a tfjs layers
 * model, which the bridge's tfjs loader reads with an empty base.
 */
export function buildHead(config: PretrainedModelConfig, embeddingSize: number): tf.Sequential {
  const model = tf.sequential({ name: `${config.name.replace(/-/g, '_')}_head` });
  config.architecture.head.forEach((layer, i) => model.add(headDense(layer, i, config.seed + i, i === 0 ? [embeddingSize] : undefined)));
  compileForTraining(model, config.optimizer.learningRate);
  return model;
}

/** The contract of base + head: train takes embeddings, `features` is added, the base described. */
export function pretrainedContract(model: tf.LayersModel, config: PretrainedModelConfig, base: LoadedBase): SignatureContract {
  const head: HeadLayer[] = config.architecture.head.map((layer, i) => {
    const kernel = model.getLayer(headLayerName(i)).getWeights()[0]!;
    return { name: headLayerName(i), inputUnits: kernel.shape[0]!, units: kernel.shape[1]!, activation: layer.activation };
  });
  return buildSignatureContract({
    modelName: config.name,
    inputShape: config.inputShape,
    labels: config.labels,
    trainBatchSize: config.deviceTrainBatchSize,
    baseOutputLayer: base.featureOutput,
    head,
    optimizer: config.deviceOptimizer,
    pretrained: {
      embeddingSize: base.embeddingSize,
      base: { pretrained: base.format, featureOutput: base.featureOutput, preprocessing: base.preprocessing, sha256: base.sha256 },
    },
  });
}
