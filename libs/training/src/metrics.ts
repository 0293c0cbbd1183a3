import type { EpochLogs } from './progress.ts';

/** metrics.json: what the model achieved, read by the report, the manifest and people. */
export interface Metrics {
  modelName: string;
  dataset: string;
  trainCount: number;
  validationCount: number;
  testCount: number;
  epochs: EpochLogs[];
  testAccuracy: number;
  confusion: number[][];
  samplesPerSecond: number;
  wallSeconds: number;
}
