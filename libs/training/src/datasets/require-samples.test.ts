import { describe, expect, it } from 'vitest';
import { isOdtError } from '@odt/cli-kit';
import { requireNonEmptySplit } from './require-samples.ts';
import { splitIndices } from './split.ts';

describe('requireNonEmptySplit', () => {
  it('refuses too few samples for the splits, naming the empty parts', () => {
    const error = (() => {
      try {
        requireNonEmptySplit(splitIndices(4, 0.1, 0.1, 7), 4, 0.1, 0.1);
      } catch (e) {
        return e as Error;
      }
      return new Error('expected a refusal');
    })();
    expect(isOdtError(error, 'DATASET_MISMATCH')).toBe(true);
    expect(error.message).toBe('4 sample(s) are too few for validationSplit 0.1 and testSplit 0.1: the validation and test set would be empty');
  });

  it('accepts a split where every part has a sample', () => {
    expect(() => requireNonEmptySplit(splitIndices(20, 0.1, 0.1, 7), 20, 0.1, 0.1)).not.toThrow();
  });
});
