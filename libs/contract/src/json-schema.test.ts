import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ChannelDocumentSchema } from './channel-document-schema.ts';
import { CHANNEL_VECTORS_DIR, type ChannelVectorIndex } from './channel-document-vectors.ts';
import { JSON_SCHEMAS_DIR, renderJsonSchemas } from './json-schema.ts';
import { STATE_LAYOUT_VECTORS_DIR } from './json-schema-vectors.ts';
import { DraftManifestSchema, ManifestSchema } from './manifest.ts';
import { RegistryIndexSchema } from './registry-index.ts';
import { SignatureContractSchema } from './signature-contract.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

describe('JSON Schema files', () => {
  it('are what the generator writes today (regenerate and commit if this fails)', () => {
    const fresh = renderJsonSchemas();
    expect(readdirSync(JSON_SCHEMAS_DIR).filter((f) => f !== 'README.md').sort()).toEqual([...fresh.keys()].sort());
    for (const [file, text] of fresh) expect(readFileSync(join(JSON_SCHEMAS_DIR, file), 'utf8'), file).toBe(text);
  });

  it('are draft 2020-12 and keep the regex patterns of the zod schemas', () => {
    for (const [file, text] of renderJsonSchemas()) {
      const schema = JSON.parse(text) as { $schema: string; $comment: string };
      expect(schema.$schema, file).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema.$comment, file).toMatch(/Checked by zod only/);
    }
    expect(renderJsonSchemas().get('manifest.schema.json')).toContain('"pattern": "^(0|[1-9]\\\\d{0,8})');
    expect(renderJsonSchemas().get('channel-document.schema.json')).toContain('"additionalProperties": false');
  });
});

// TypeScript validates the documents with zod itself; the same documents go through a JSON
// Schema validator in Kotlin (JsonSchemaVectorsTest), so both agree on what a valid one is.
describe('golden documents the schemas describe', () => {
  const index = readJson(join(CHANNEL_VECTORS_DIR, 'cases.json')) as ChannelVectorIndex;
  const okFiles = [...new Set(index.cases.filter((c) => c.expect === 'ok').map((c) => c.file))];

  it.each(okFiles)('channel document %s parses with ChannelDocumentSchema', (file) => {
    expect(ChannelDocumentSchema.safeParse(readJson(join(CHANNEL_VECTORS_DIR, file))).success).toBe(true);
  });

  const stateCases = (readJson(join(STATE_LAYOUT_VECTORS_DIR, 'cases.json')) as { cases: Array<{ contract: string }> }).cases;
  it.each(stateCases.map((c) => c.contract))('contract %s parses with SignatureContractSchema', (file) => {
    expect(SignatureContractSchema.safeParse(readJson(join(STATE_LAYOUT_VECTORS_DIR, file))).success).toBe(true);
  });

  // Produced by the real pipeline when it has run on this machine (out/ and registry/ are not committed).
  const local: Array<[string, z.ZodType]> = [
    ['out/model/train/contract.json', SignatureContractSchema],
    ['out/model/version/contract.json', SignatureContractSchema],
    ['out/model/version/draft-manifest.json', DraftManifestSchema],
    ['registry/index.json', RegistryIndexSchema],
  ];
  const registry = join(REPO_ROOT, 'registry');
  if (existsSync(registry)) {
    for (const model of readdirSync(registry, { withFileTypes: true }).filter((d) => d.isDirectory())) {
      for (const version of readdirSync(join(registry, model.name))) {
        local.push([`registry/${model.name}/${version}/manifest.json`, ManifestSchema]);
      }
    }
  }
  const present = local.filter(([path]) => existsSync(join(REPO_ROOT, path)));
  it.runIf(present.length > 0).each(present)('%s (written by the pipeline) parses', (path, schema) => {
    const result = schema.safeParse(readJson(join(REPO_ROOT, path)));
    expect(result.error?.issues ?? []).toEqual([]);
  });
});
