/** Per-epoch figures the training loop reports and metrics.json keeps. */
export interface EpochLogs {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  seconds: number;
}

/**
 * Where training reports progress. The CLI picks a TTY bar or plain CI lines; tests pass a
 * recorder. `onBatch` is optional because asking for per-batch numbers forces a device sync
 * per batch, which only an interactive bar is worth.
 */
export interface TrainingProgress {
  onEpochStart(epoch: number, epochs: number, batches: number): void;
  onBatch?(epoch: number, batch: number, batches: number, loss: number, accuracy: number): void;
  onEpochEnd(logs: EpochLogs, epochs: number): void;
}

/** A progress sink that says nothing: for tests and library callers. */
export const silentProgress: TrainingProgress = { onEpochStart() {}, onEpochEnd() {} };
