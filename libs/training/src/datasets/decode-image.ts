import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-node';
import { OdtError } from '@odt/cli-kit';
import { unreadable } from './dataset-paths.ts';

const CHANNEL_NAMES: Record<number, string> = { 1: 'grey', 2: 'grey + alpha', 3: 'RGB', 4: 'RGBA' };
const describeChannels = (n: number) => `${n} channel${n === 1 ? '' : 's'} (${CHANNEL_NAMES[n] ?? 'unknown'})`;

function decode(bytes: Buffer, path: string, channels: number): tf.Tensor3D {
  try {
    return tf.node.decodeImage(bytes, channels, 'int32', false) as tf.Tensor3D;
  } catch (cause) {
    throw new OdtError('DATASET_CORRUPT', `${path} could not be decoded as PNG/JPEG`, { cause, suggestion: 'Remove or re-export the damaged image.' });
  }
}

/**
 * Decodes one PNG/JPEG as [height, width, channels] int32. An image whose own channel count
 * differs from the config's is refused (naming the file and both counts) unless the config
 * sets `convertChannels`: silently turning RGB into grey trains on data the phone never sees.
 */
export async function decodeImageFile(path: string, channels: number, convertChannels: boolean): Promise<tf.Tensor3D> {
  const bytes = await readFile(path).catch((cause: unknown) => Promise.reject(unreadable(path, cause)));
  const asStored = decode(bytes, path, 0);
  const stored = asStored.shape[2];
  if (stored === channels) return asStored;
  asStored.dispose();
  if (!convertChannels) {
    throw new OdtError('DATASET_MISMATCH', `${path} has ${describeChannels(stored)} but inputShape asks for ${describeChannels(channels)}`, {
      suggestion: `Convert the images to ${describeChannels(channels)}, change inputShape's channels to ${stored}, or set "convertChannels": true in dataset to convert them while loading.`,
    });
  }
  return decode(bytes, path, channels);
}
