import * as tf from '@tensorflow/tfjs-node';
import { type BaseLayer, type HeadLayerConfig, type LayerModelConfig, type ModelConfig, type HeadLayer, buildSignatureContract, isPretrainedConfig, type SignatureContract } from '@odt/contract';

/** Layer names are part of the artifact: the bridge finds the base/head split by them. */
export const baseLayerName = (index: number, type: string) => `base_${index}_${type.toLowerCase()}`;
export const headLayerName = (index: number) => `head_${index}_dense`;

function baseLayer(layer: BaseLayer, index: number, seed: number, inputShape?: number[]): tf.layers.Layer {
  const name = baseLayerName(index, layer.type);
  const init = { kernelInitializer: tf.initializers.glorotUniform({ seed: seed + index }), biasInitializer: 'zeros' as const };
  const first = inputShape ? { inputShape } : {};
  switch (layer.type) {
    case 'conv2d':
      return tf.layers.conv2d({ name, filters: layer.filters, kernelSize: layer.kernelSize, strides: layer.strides, padding: layer.padding, activation: layer.activation, ...init, ...first });
    case 'maxPooling2d':
      return tf.layers.maxPooling2d({ name, poolSize: layer.poolSize, ...first });
    case 'flatten':
      return tf.layers.flatten({ name, ...first });
    case 'dense':
      return tf.layers.dense({ name, units: layer.units, activation: layer.activation, ...init, ...first });
    case 'dropout':
      return tf.layers.dropout({ name, rate: layer.rate, seed: seed + index, ...first });
  }
}

/** The layer-base config, or a bug: a pretrained base trains its head in pretrained/train-head.ts. */
function layerConfig(config: ModelConfig): LayerModelConfig {
  if (isPretrainedConfig(config)) throw new Error('buildModel/contractFor take a layer base; a pretrained base trains its head on cached features');
  return config;
}

/**
 * The shared model: a frozen base (feature extractor, trained here, never on the phone)
 * followed by the dense head the phone fine-tunes. Initialisers are seeded so the same config
 * and data give the same model.
 */
export function buildModel(anyConfig: ModelConfig): tf.Sequential {
  const config = layerConfig(anyConfig);
  const model = tf.sequential({ name: config.name.replace(/-/g, '_') });
  config.architecture.base.forEach((layer, i) => model.add(baseLayer(layer, i, config.seed, i === 0 ? config.inputShape : undefined)));
  const offset = config.architecture.base.length;
  config.architecture.head.forEach((layer, i) => model.add(headDense(layer, i, config.seed + offset + i)));
  compileForTraining(model, config.optimizer.learningRate);
  return model;
}

/** One dense layer of the trainable head, named for the bridge and seeded (`inputShape` on the first of a head-only model). */
export function headDense(layer: HeadLayerConfig, index: number, seed: number, inputShape?: number[]): tf.layers.Layer {
  return tf.layers.dense({
    name: headLayerName(index),
    units: layer.units,
    activation: layer.activation,
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    biasInitializer: 'zeros',
    ...(inputShape ? { inputShape } : {}),
  });
}

/** Adam + categorical cross-entropy, what the server trains every model with. */
export function compileForTraining(model: tf.Sequential, learningRate: number): void {
  model.compile({ optimizer: tf.train.adam(learningRate), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
}

/** The signature contract of this trained model: head sizes are read from the real layers. */
export function contractFor(model: tf.LayersModel, anyConfig: ModelConfig): SignatureContract {
  const config = layerConfig(anyConfig);
  const head: HeadLayer[] = config.architecture.head.map((layer, i) => {
    const kernel = model.getLayer(headLayerName(i)).getWeights()[0]!;
    return { name: headLayerName(i), inputUnits: kernel.shape[0]!, units: kernel.shape[1]!, activation: layer.activation };
  });
  const lastBase = config.architecture.base.length - 1;
  return buildSignatureContract({
    modelName: config.name,
    inputShape: config.inputShape,
    labels: config.labels,
    trainBatchSize: config.deviceTrainBatchSize,
    baseOutputLayer: baseLayerName(lastBase, config.architecture.base[lastBase]!.type),
    head,
    optimizer: config.deviceOptimizer,
  });
}
