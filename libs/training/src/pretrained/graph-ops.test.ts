import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FUSED_OPS_TFJS_CANNOT_RUN, FUSED_OP_ALLOWLIST, GRAPH_OP_ALLOWLIST } from './graph-ops.ts';

const PYTHON = readFileSync(fileURLToPath(new URL('../../../../python-bridge/odt_bridge/graph_ops.py', import.meta.url)), 'utf8');

/** The bridge's allowlist as data: the keys of its OPS dict plus Const and Placeholder (SUPPORTED_OPS). */
function pythonSupportedOps(): string[] {
  const block = PYTHON.slice(PYTHON.indexOf('OPS: dict[str, Callable] = {'), PYTHON.indexOf('SUPPORTED_OPS'));
  return [...block.matchAll(/^\s+"([A-Za-z0-9_]+)":/gm)].map((m) => m[1]!).concat('Const', 'Placeholder').sort();
}

describe('graph op allowlist', () => {
  it('is exactly the Python bridge SUPPORTED_OPS', () => {
    expect(pythonSupportedOps().length).toBeGreaterThan(30);
    expect([...GRAPH_OP_ALLOWLIST].sort()).toEqual(pythonSupportedOps());
  });

  it('fuses what the bridge un-fuses, minus what tfjs cannot run fused', () => {
    const fused = /^FUSED_OPS = \(([^)]*)\)/m.exec(PYTHON)![1]!.match(/"([A-Za-z0-9]+)"/g)!.map((s) => s.slice(1, -1));
    expect([...FUSED_OP_ALLOWLIST, ...FUSED_OPS_TFJS_CANNOT_RUN].sort()).toEqual([...fused].sort());
  });
});
