/**
 * Upper bounds for the config, so an extra zero (`units: 1e8`, `epochs: 1e9`) is refused in
 * milliseconds instead of training for weeks or being killed for memory with no message.
 * They are far above anything this pipeline needs for a model a phone keeps training.
 */
export const CONFIG_LIMITS = {
  /** Longest image side and largest window (kernel, pool, stride). */
  side: 4096,
  /** Units of one dense layer (base or head); also caps the number of labels. */
  units: 65_536,
  filters: 4096,
  epochs: 1000,
  batchSize: 65_536,
  /** mulberry32 and the initialisers use 32-bit seeds; larger ones would alias. */
  seed: 0xffff_ffff,
  /** Trainable and frozen weights together: 100 MB of float32, already large for a phone. */
  parameters: 25_000_000,
  /** Estimated peak memory of one training step (weights, Adam slots, activations). */
  trainingMemoryBytes: 8 * 1024 ** 3,
} as const;

/** Bytes for people: "3.2 GiB", "512 B"; used in every size-limit message. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** 12345678 -> "12,345,678": large counts in messages stay readable. */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}
