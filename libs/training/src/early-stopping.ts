/** What metrics.json and the report say about early stopping. */
export interface EarlyStoppingRecord {
  /** Epochs without a better validation loss that stop training; 0 = never stop early. */
  patience: number;
  stoppedEarly: boolean;
  /** The last epoch trained (config.epochs unless training stopped early). */
  lastEpoch: number;
  /** The epoch with the lowest validation loss, and that loss. */
  bestEpoch: number;
  bestValLoss: number;
}

/**
 * Tracks validation loss epoch by epoch and says when it has not improved for `patience`
 * epochs (the config's earlyStoppingPatience), like Keras's EarlyStopping with min_delta 0.
 * The model keeps the weights of the last epoch trained.
 */
export function createEarlyStopping(patience: number) {
  let bestEpoch = 0;
  let bestValLoss = Infinity;
  let lastEpoch = 0;
  let stoppedEarly = false;
  return {
    /** Records an epoch; true when training should stop after it. */
    shouldStop(epoch: number, valLoss: number): boolean {
      lastEpoch = epoch;
      if (valLoss < bestValLoss) {
        bestValLoss = valLoss;
        bestEpoch = epoch;
      }
      stoppedEarly = patience > 0 && epoch - bestEpoch >= patience;
      return stoppedEarly;
    },
    record(): EarlyStoppingRecord {
      return { patience, stoppedEarly, lastEpoch, bestEpoch, bestValLoss };
    },
  };
}
