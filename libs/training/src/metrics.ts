import type { EpochLogs } from './progress.ts';
import type { EarlyStoppingRecord } from './early-stopping.ts';

/** metrics.json: what the model achieved, read by the report, the manifest and people. */
export interface Metrics {
  modelName: string;
  dataset: string;
  trainCount: number;
  validationCount: number;
  testCount: number;
  epochs: EpochLogs[];
  /** Whether training stopped before config.epochs, after which epoch, and the best epoch. */
  earlyStopping: EarlyStoppingRecord;
  testAccuracy: number;
  confusion: number[][];
  samplesPerSecond: number;
  wallSeconds: number;
}
