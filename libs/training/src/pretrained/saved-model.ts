import * as tf from '@tensorflow/tfjs-node';
import { OdtError } from '@odt/cli-kit';

/** A SavedModel's serving_default signature loaded for feature extraction. */
export interface SavedModelBase {
  run(x: tf.Tensor4D): tf.Tensor;
  dispose(): void;
  featureOutput: string;
  inputShape: number[];
}

/**
 * One dimension of a signature's input shape: tfjs-node hands out TensorShapeProto.Dim messages
 * (google-protobuf objects with getSize()), not numbers; -1 is a free dimension.
 */
function dimensionSize(dim: unknown): number {
  if (typeof dim === 'number') return dim;
  const size = (dim as { getSize?: () => number | string }).getSize?.();
  return size === undefined ? -1 : Number(size);
}

/**
 * Loads `serving_default` of a SavedModel with tfjs-node's TensorFlow; featureOutput is one of its
 * output keys (optional with one output). Ops are checked by the bridge when it converts.
 */
export async function loadSavedModelBase(dir: string, configured: string | undefined): Promise<SavedModelBase> {
  let signature: tf.MetaGraph['signatureDefs'][string] | undefined;
  try {
    const metaGraphs = await tf.node.getMetaGraphsFromSavedModel(dir);
    signature = metaGraphs.find((m) => m.tags.includes('serve'))?.signatureDefs.serving_default;
  } catch (cause) {
    throw new OdtError('BASE_INVALID', `${dir} is not a readable SavedModel: ${(cause as Error).message}`, { cause });
  }
  if (!signature) throw new OdtError('BASE_INVALID', `${dir} has no "serve" MetaGraph with a serving_default signature`, { suggestion: 'Export the base with model.export(path) (Keras 3) or tf.saved_model.save with a serving_default signature.' });
  const outputs = Object.keys(signature.outputs);
  const inputs = Object.entries(signature.inputs);
  const listed = outputs.map((o) => `"${o}"`).join(', ');
  const featureOutput = configured ?? (outputs.length === 1 ? outputs[0]! : undefined);
  if (featureOutput === undefined) {
    throw new OdtError('BASE_INVALID', `architecture.base.featureOutput is missing and ${dir} has ${outputs.length} outputs: ${listed}`, { suggestion: 'Set architecture.base.featureOutput to one of the serving_default output keys.' });
  }
  if (!outputs.includes(featureOutput)) {
    throw new OdtError('BASE_INVALID', `architecture.base.featureOutput "${featureOutput}" is not an output of ${dir}'s serving_default; its outputs are ${listed}`, { suggestion: 'Use one of the listed output keys.' });
  }
  if (inputs.length !== 1) throw new OdtError('BASE_INVALID', `${dir}'s serving_default takes ${inputs.length} inputs; a base takes exactly one image input`);
  const model = await tf.node.loadSavedModel(dir, ['serve'], 'serving_default');
  const inputShape = ((inputs[0]![1].shape as unknown[] | undefined) ?? []).map(dimensionSize);
  return {
    featureOutput,
    inputShape,
    dispose: () => model.dispose(),
    run: (x) => {
      const out = model.predict(x) as tf.Tensor | tf.NamedTensorMap;
      if (out instanceof tf.Tensor) return out;
      for (const [key, t] of Object.entries(out)) if (key !== featureOutput) t.dispose();
      return out[featureOutput]!;
    },
  };
}
