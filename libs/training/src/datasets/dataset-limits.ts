/**
 * The largest dataset training holds in memory, as float32 pixels (the loaded samples, then
 * the train/validation/test tensors and one shuffled copy per epoch: about three times this).
 * A header or folder promising more is refused before anything that size is allocated.
 */
export const MAX_DATASET_FLOAT_BYTES = 4 * 1024 ** 3;

/** The same limit as raw 8-bit pixel bytes (IDX stores one byte per pixel). */
export const MAX_DATASET_PIXEL_BYTES = MAX_DATASET_FLOAT_BYTES / 4;
