import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildSignatureContract, type SignatureContractInput } from './build-signature-contract.ts';
import { canonicalHash, canonicalJson } from './canonical-json.ts';
import type { SignatureContract } from './signature-contract.ts';

/*
 * Cross-language golden vectors for what every consumer recomputes from the documents whose JSON
 * Schema json-schema.ts writes: the canonical JSON (and its sha256) behind contractHash, and the
 * flat state vector laid out by the contract's `state.segments`. Written by the real TypeScript
 * code, read by the TypeScript test, the Kotlin core tests and the Python bridge tests.
 * Regenerate (and commit) with:
 *   node --import tsx libs/contract/src/json-schema-vectors.ts
 */

export const CANONICAL_JSON_VECTORS_DIR = fileURLToPath(new URL('../vectors/canonical-json/', import.meta.url));
export const STATE_LAYOUT_VECTORS_DIR = fileURLToPath(new URL('../vectors/state-layout/', import.meta.url));

export interface CanonicalJsonCase {
  name: string;
  /** JSON text each language parses with its ordinary parser before canonicalising. */
  input: string;
  canonical: string;
  sha256: string;
}

const stateInputs: Array<{ name: string; input: SignatureContractInput }> = [
  {
    name: 'adam-two-layer-head',
    input: {
      modelName: 'vectors',
      inputShape: [4, 4, 1],
      labels: ['a', 'b', 'c'],
      trainBatchSize: 8,
      baseOutputLayer: 'base_2_flatten',
      head: [
        { name: 'head_0_dense', inputUnits: 5, units: 4, activation: 'relu' },
        { name: 'head_1_dense', inputUnits: 4, units: 3, activation: 'softmax' },
      ],
      optimizer: { type: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    },
  },
  {
    name: 'sgd-one-layer-head',
    input: {
      modelName: 'vectors-sgd',
      inputShape: [6],
      labels: ['no', 'yes'],
      trainBatchSize: 2,
      baseOutputLayer: 'base_0_dense',
      head: [{ name: 'head_0_dense', inputUnits: 3, units: 2, activation: 'softmax' }],
      optimizer: { type: 'sgd', learningRate: 0.05 },
    },
  },
];

/** The contracts the state-layout vectors are built from, as buildSignatureContract writes them. */
export function stateLayoutContracts(): Array<{ name: string; contract: SignatureContract }> {
  return stateInputs.map(({ name, input }) => ({ name, contract: buildSignatureContract(input) }));
}

function canonicalInputs(): Array<{ name: string; input: string }> {
  return [
    { name: 'keys sorted at every depth', input: '{"b":1,"a":{"d":[3,{"z":1,"y":2}],"c":null},"A":true,"_":false}' },
    { name: 'empty values', input: '{"o":{},"a":[],"s":"","n":null}' },
    {
      name: 'numbers print as JavaScript Number#toString',
      input: '[1.5,-0.25,1E21,1.0e-7,123456789012,0.1,2.5e-8,100.0,-3,0,-0.0,1e-6,0.000001,123e-20,1e20,1.7976931348623157e308]',
    },
    // Java's Double.toString keeps "4.9E-324" for Double.MIN_VALUE, so a port that reuses its digits differs here.
    { name: 'smallest subnormal double', input: '[5e-324,-5e-324]' },
    { name: 'integers beyond 2^53 round like a double', input: '[9007199254740991,9007199254740993,999999999999999900000]' },
    {
      name: 'string escapes: only quote, backslash and control characters',
      input: '{"s":"q\\" b\\\\ n\\n t\\t r\\r b\\b f\\f c\\u0001 u\\u001f del\\u007f slash\\/ \\u00e9 \\u20ac \\u2028 \\ud83d\\ude00"}',
    },
    { name: 'non-ASCII written raw', input: '{"é":"ü","€":"日本","😀":"x"}' },
    // JavaScript sorts keys by UTF-16 code units: U+1F600 (D83D DE00) sorts before U+FF01,
    // although by code point it comes after (Python's default sort order).
    { name: 'keys sort by UTF-16 code units, not code points', input: '{"\\uff01":1,"\\ud83d\\ude00":2,"z":3,"\\u00e9":4,"Z":5}' },
    { name: 'whitespace and pretty-printing are dropped', input: '{\n  "x" : [ 1 , 2 ] ,\n  "y" : { "k" : "v" }\n}\n' },
    ...stateLayoutContracts().map(({ name, contract }) => ({
      name: `signature contract ${name} (its hash is the manifest's contractHash)`,
      input: `${JSON.stringify(contract, null, 2)}\n`,
    })),
  ];
}

export function canonicalJsonCases(): CanonicalJsonCase[] {
  return canonicalInputs().map(({ name, input }) => {
    const value: unknown = JSON.parse(input);
    return { name, input, canonical: canonicalJson(value), sha256: canonicalHash(value) };
  });
}

/** Value j of segment k: exact in float32 and different in every segment, so a shifted slice shows. */
export function stateValue(segmentIndex: number, j: number): number {
  return (segmentIndex + 1) * 1000 + j + 0.5;
}

export interface StateLayoutCase {
  name: string;
  contract: string;
  state: string;
  stateSize: number;
  segments: Array<{ name: string; kind: string; shape: number[]; offset: number; size: number; values: number[] }>;
}

const pretty = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** Writes the canonical-json and state-layout folders under `root` (the vectors folder). */
export function writeJsonSchemaVectors(
  canonicalDir: string = CANONICAL_JSON_VECTORS_DIR,
  stateDir: string = STATE_LAYOUT_VECTORS_DIR,
): void {
  mkdirSync(canonicalDir, { recursive: true });
  writeFileSync(
    join(canonicalDir, 'cases.json'),
    pretty({
      about: 'Canonical JSON vectors written by libs/contract/src/json-schema-vectors.ts with canonicalJson/canonicalHash.',
      cases: canonicalJsonCases(),
    }),
  );

  mkdirSync(stateDir, { recursive: true });
  const cases: StateLayoutCase[] = [];
  for (const { name, contract } of stateLayoutContracts()) {
    const contractFile = `${name}.contract.json`;
    const stateFile = `${name}.state.f32le.bin`;
    const state = new Float32Array(contract.state.size);
    const segments = contract.state.segments.map((segment, k) => {
      const values = Array.from({ length: segment.size }, (_, j) => stateValue(k, j));
      state.set(values, segment.offset);
      return { ...segment, values };
    });
    const bytes = Buffer.alloc(state.length * 4);
    state.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
    writeFileSync(join(stateDir, contractFile), pretty(contract));
    writeFileSync(join(stateDir, stateFile), bytes);
    cases.push({ name, contract: contractFile, state: stateFile, stateSize: contract.state.size, segments });
  }
  writeFileSync(
    join(stateDir, 'cases.json'),
    pretty({
      about:
        'State-layout vectors written by libs/contract/src/json-schema-vectors.ts: each contract is buildSignatureContract output; ' +
        'the state file is the flat float32 (little-endian) vector save/restore exchange, segment k holding (k+1)*1000 + j + 0.5 at index j.',
      cases,
    }),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeJsonSchemaVectors();
  console.log(`wrote ${CANONICAL_JSON_VECTORS_DIR} and ${STATE_LAYOUT_VECTORS_DIR}`);
}
