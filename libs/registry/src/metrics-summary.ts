/**
 * The manifest carries the scalar metrics (final accuracy, loss, counts) with dotted keys; the
 * per-epoch curves and the confusion matrix stay in metrics.json, which ships next to it.
 */
export function summariseMetrics(metrics: unknown, prefix = '', depth = 0, out: Record<string, unknown> = {}): Record<string, unknown> {
  if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics) || depth > 3) return out;
  for (const [key, value] of Object.entries(metrics)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') out[name] = value;
    else summariseMetrics(value, name, depth + 1, out);
  }
  return out;
}
