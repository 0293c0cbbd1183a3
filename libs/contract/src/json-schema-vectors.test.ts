import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stateLayout } from './build-signature-contract.ts';
import { canonicalHash, canonicalJson } from './canonical-json.ts';
import {
  CANONICAL_JSON_VECTORS_DIR,
  STATE_LAYOUT_VECTORS_DIR,
  writeJsonSchemaVectors,
  type CanonicalJsonCase,
  type StateLayoutCase,
} from './json-schema-vectors.ts';
import { sha256Hex } from './manifest-hashes.ts';
import { SignatureContractSchema } from './signature-contract.ts';

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const canonicalCases = readJson<{ cases: CanonicalJsonCase[] }>(join(CANONICAL_JSON_VECTORS_DIR, 'cases.json')).cases;
const stateCases = readJson<{ cases: StateLayoutCase[] }>(join(STATE_LAYOUT_VECTORS_DIR, 'cases.json')).cases;

describe('canonical JSON vectors', () => {
  it.each(canonicalCases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const value: unknown = JSON.parse(c.input);
    expect(canonicalJson(value)).toBe(c.canonical);
    expect(canonicalHash(value)).toBe(c.sha256);
    expect(sha256Hex(c.canonical)).toBe(c.sha256);
  });
});

describe('state layout vectors', () => {
  it.each(stateCases.map((c) => [c.name, c] as const))('%s: named segments slice the float32 state', (_, c) => {
    const contract = SignatureContractSchema.parse(readJson(join(STATE_LAYOUT_VECTORS_DIR, c.contract)));
    expect(contract.state.segments).toEqual(stateLayout(contract.head, contract.optimizer));
    expect(contract.state.segments).toEqual(c.segments.map(({ values: _values, ...segment }) => segment));
    const bytes = readFileSync(join(STATE_LAYOUT_VECTORS_DIR, c.state));
    expect(bytes.length).toBe(c.stateSize * 4);
    expect(contract.state.size).toBe(c.stateSize);
    for (const segment of c.segments) {
      const values = Array.from({ length: segment.size }, (_, j) => bytes.readFloatLE((segment.offset + j) * 4));
      expect(values, segment.name).toEqual(segment.values);
    }
  });
});

describe('vector folders', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'json-schema-vectors-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('are what the generator writes today (regenerate and commit if this fails)', () => {
    const canonical = join(scratch, 'canonical-json');
    const state = join(scratch, 'state-layout');
    writeJsonSchemaVectors(canonical, state);
    for (const [fresh, checkedIn] of [
      [canonical, CANONICAL_JSON_VECTORS_DIR],
      [state, STATE_LAYOUT_VECTORS_DIR],
    ] as const) {
      const files = readdirSync(fresh).sort();
      expect(readdirSync(checkedIn).filter((f) => f !== 'README.md').sort()).toEqual(files);
      for (const file of files) expect(readFileSync(join(checkedIn, file)).equals(readFileSync(join(fresh, file))), file).toBe(true);
    }
  });
});
