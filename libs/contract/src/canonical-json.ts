import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth: the same value always gives the same bytes,
 * so hashes of configs, contracts and manifests are stable across runs and languages.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** sha256 (hex) of the canonical JSON form; used for config, contract and dataset lineage. */
export function canonicalHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
