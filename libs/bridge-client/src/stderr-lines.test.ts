import { describe, expect, it } from 'vitest';
import { isToolchainNoise, lineSplitter } from './stderr-lines.ts';

// Lines as the pinned TensorFlow 2.21 / ai-edge-litert 2.3 print them (copied from a model:convert run).
const STARTUP = [
  'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR',
  'I0000 00:00:1796048952.238347    5031 port.cc:153] oneDNN custom operations are on. You may see slightly different numerical results due to floating-point round-off errors from different computation orders. To turn them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.',
  'I0000 00:00:1796049029.526194    6048 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use available CPU instructions in performance-critical operations.',
  'To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow with the appropriate compiler flags.',
  '2026-01-02 03:04:05.678901: I tensorflow/core/util/port.cc:113] oneDNN custom operations are on.',
  'INFO: Created TensorFlow Lite XNNPACK delegate for CPU.',
];

describe('isToolchainNoise', () => {
  it("recognises TensorFlow's and LiteRT's start-up lines", () => {
    for (const line of STARTUP) expect(isToolchainNoise(line), line).toBe(true);
  });

  it("keeps TensorFlow's errors and everything the bridge says", () => {
    for (const line of [
      'E0000 00:00:1796048952.238347    5031 cuda_executor.cc:1] failed call to cuInit',
      '2026-01-02 03:04:05.678901: E tensorflow/core/framework/op_kernel.cc:1] OP_REQUIRES failed',
      'Traceback (most recent call last):',
      'converting the builtin flavour',
      'UserWarning: something the bridge should fix',
    ]) {
      expect(isToolchainNoise(line), line).toBe(false);
    }
  });
});

describe('lineSplitter', () => {
  it('delivers a line split across chunks once, whole, and a split UTF-8 character intact', () => {
    const lines: string[] = [];
    const splitter = lineSplitter((line) => lines.push(line));
    splitter.push(Buffer.from('INFO: '));
    splitter.push(Buffer.from('Created TensorFlow Lite XNNPACK delegate for CPU.\nsecond'));
    splitter.push(Buffer.from(' line\n\n   \nla'));
    const ellipsis = Buffer.from('…', 'utf8');
    splitter.push(Buffer.concat([Buffer.from('st '), ellipsis.subarray(0, 1)]));
    splitter.push(ellipsis.subarray(1));
    splitter.end();
    expect(lines).toEqual(['INFO: Created TensorFlow Lite XNNPACK delegate for CPU.', 'second line', 'last …']);
  });
});
