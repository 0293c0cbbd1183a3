/** mulberry32: a tiny seeded PRNG, so splits and batch orders repeat exactly for a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates permutation of 0..n-1 driven by `random`. */
export function permutation(n: number, random: () => number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

export interface Split {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
}

/**
 * Deterministic train/validation/test split by seed. The test part is held out from training
 * and validation; verify and the phone's parity checks use samples from it.
 */
export function splitIndices(count: number, validationSplit: number, testSplit: number, seed: number): Split {
  const order = permutation(count, seededRandom(seed));
  const testCount = Math.round(count * testSplit);
  const validationCount = Math.round(count * validationSplit);
  return {
    test: order.slice(0, testCount),
    validation: order.slice(testCount, testCount + validationCount),
    train: order.slice(testCount + validationCount),
  };
}
