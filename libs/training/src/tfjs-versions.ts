import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-node';

/** tfjs-node's version and the TensorFlow it runs: lineage for train-result.json and the manifest. */
export function tfjsVersions(): { tfjsNodeVersion: string; tfjsTensorflowVersion: string } {
  const require = createRequire(import.meta.url);
  const tfjsNodeVersion = (require('@tensorflow/tfjs-node/package.json') as { version: string }).version;
  const binding = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding;
  return { tfjsNodeVersion, tfjsTensorflowVersion: binding?.TF_Version ?? 'unknown' };
}
