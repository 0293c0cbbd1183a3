import { z } from 'zod';

/** Levenshtein distance, ignoring case: how far a misspelt config key is from an allowed one. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitution = previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[y.length]!;
}

/** The allowed key a misspelt one most likely meant, or undefined when none is close enough. */
export function closestKey(key: string, allowed: readonly string[]): string | undefined {
  const tolerance = Math.max(2, Math.floor(key.length / 3));
  let best: { key: string; distance: number } | undefined;
  for (const candidate of allowed) {
    const distance = editDistance(key, candidate);
    if (distance <= tolerance && (best === undefined || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

/** One line per unknown key, with a "did you mean" when a known key is close, else the allowed ones. */
export function unknownKeysMessage(keys: readonly string[], allowed: readonly string[]): string {
  const parts = keys.map((key) => {
    const suggestion = closestKey(key, allowed);
    return suggestion ? `unknown key "${key}" (did you mean "${suggestion}"?)` : `unknown key "${key}"`;
  });
  const anyUnmatched = keys.some((key) => closestKey(key, allowed) === undefined);
  return `${parts.join('; ')}${anyUnmatched ? `; allowed here: ${allowed.join(', ')}` : ''}`;
}

/**
 * z.strictObject whose unknown-key error names the key it probably meant: a misspelt optional
 * field (`epochz`) would otherwise be dropped silently and training would run on the default.
 */
export function strictConfigObject<T extends z.core.$ZodLooseShape>(shape: T) {
  const allowed = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? unknownKeysMessage(issue.keys, allowed) : undefined),
  });
}
