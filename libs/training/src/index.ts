// Public API of @odt/training: the `model:train` stage and the pieces its benchmark reuses.
export { trainModel, HELDOUT_SAMPLES, type TrainOptions, type TrainResult } from './train-model.ts';
export { loadModelConfig } from './load-config.ts';
export { loadDataset, datasetHash } from './datasets/load-dataset.ts';
export { splitIndices, seededRandom, permutation } from './datasets/split.ts';
export { buildModel, contractFor } from './build-model.ts';
export { toTensors, gatherSamples, gatherLabels } from './tensors.ts';
export type { Dataset } from './datasets/dataset.ts';
export type { TrainingProgress, EpochLogs } from './progress.ts';
export type { EarlyStoppingRecord } from './early-stopping.ts';
export type { Metrics } from './metrics.ts';
export { computeFeatures, readFeatures, featureKey, embedSamples, type FeaturesManifest, type FeaturesResult } from './pretrained/features.ts';
export { buildHead } from './pretrained/head-model.ts';
export { fitModel, type FitResult } from './fit.ts';
export { evaluate } from './evaluate.ts';
export { silentProgress } from './progress.ts';
export { loadPretrainedBase, type LoadedBase } from './pretrained/load-base.ts';
export { openImageSource, type ImageSource } from './pretrained/image-source.ts';
export { GRAPH_OP_ALLOWLIST, FUSED_OP_ALLOWLIST } from './pretrained/graph-ops.ts';
