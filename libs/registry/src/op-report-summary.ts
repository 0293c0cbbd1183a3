import { OdtError } from '@odt/cli-kit';
import type { Manifest } from '@odt/contract';

type OpSummary = Manifest['opReport'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One op entry: a plain name, or an object naming the op and whether it is builtin or Flex. */
function classify(entry: unknown): { name: string; flex: boolean } | null {
  if (typeof entry === 'string') return { name: entry, flex: entry.startsWith('Flex') };
  if (!isObject(entry)) return null;
  const name = [entry.name, entry.op, entry.opName].find((v): v is string => typeof v === 'string');
  if (!name) return null;
  const kind = [entry.kind, entry.type, entry.category].find((v): v is string => typeof v === 'string')?.toLowerCase();
  // Anything not plainly builtin (Flex, select TF ops, custom) needs more than the plain runtime.
  const builtin =
    entry.builtin === true || kind === 'builtin' || (kind === undefined && entry.builtin === undefined && entry.flex !== true && !name.startsWith('Flex'));
  return { name, flex: !builtin };
}

function fromOps(ops: unknown[]): OpSummary | null {
  const entries = ops.map(classify);
  if (entries.some((e) => e === null)) return null;
  const builtin = new Set<string>();
  const flex = new Set<string>();
  for (const e of entries as Array<{ name: string; flex: boolean }>) (e.flex ? flex : builtin).add(e.name);
  return { builtinOps: builtin.size, flexOps: flex.size, ops: [...new Set([...builtin, ...flex])].sort() };
}

function fromLists(report: Record<string, unknown>): OpSummary | null {
  const { builtinOps, flexOps } = report;
  const list = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null);
  const b = list(builtinOps);
  const f = list(flexOps);
  if (b && f) return { builtinOps: new Set(b).size, flexOps: new Set(f).size, ops: [...new Set([...b, ...f])].sort() };
  return null;
}

function summarise(report: unknown, depth: number): OpSummary | null {
  if (!isObject(report) || depth > 3) return null;
  if (Array.isArray(report.ops)) return fromOps(report.ops);
  const lists = fromLists(report);
  if (lists) return lists;
  // Reports covering several flavours side by side: take the default (builtin-only) model's part.
  for (const key of ['model.tflite', 'default', 'trainable', 'builtin']) {
    const found = summarise(report[key], depth + 1);
    if (found) return found;
  }
  for (const key of ['models', 'flavours', 'flavors', 'files']) {
    const nested = report[key];
    if (Array.isArray(nested)) {
      const entry = nested.find((n) => isObject(n) && [n.file, n.path, n.flavour, n.flavor, n.name].some((v) => v === 'model.tflite' || v === 'default'));
      const found = summarise(entry, depth + 1);
      if (found) return found;
    }
    const found = summarise(nested, depth + 1);
    if (found) return found;
  }
  return null;
}

/**
 * Reduces the converter's op report to the manifest's summary (distinct builtin and Flex ops
 * of the trainable model; custom ops count as non-builtin). Accepts `{ops:[name | {name, builtin|flex|kind}]}`,
 * `{builtinOps:[...], flexOps:[...]}`, or either nested under the default model's key
 * (the bridge writes `{"models":{"model.tflite":{"ops":[{"name","kind","count"}]}}}`).
 */
export function summariseOpReport(report: unknown, where: string): OpSummary {
  const summary = summarise(report, 0);
  if (!summary) {
    throw new OdtError('ARTIFACTS_INVALID', 'op-report.json has no op list this stage understands', {
      context: { file: where, accepted: '{"ops":[{"name":"FULLY_CONNECTED","builtin":true}]} or {"builtinOps":[...],"flexOps":[...]}' },
      suggestion: 'Re-run `npx nx run model:convert`; if the op report format changed, align libs/registry/src/op-report-summary.ts.',
    });
  }
  return summary;
}
