import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex, signManifestBytes } from '@odt/contract';
import { publishToRegistry } from './publish.ts';
import { pullVersion } from './pull.ts';
import { httpSource, localSource, READ_LIMITS, type RegistrySource } from './registry-source.ts';
import { codeOf, makeDraft, tempDir, testKey } from './testing/stage-fixtures.ts';
import { validateRegistry } from './validate-registry.ts';

const { key } = testKey();
let root: string;
let pristine: string;

beforeAll(async () => {
  root = await tempDir('hostile');
  pristine = join(root, 'pristine');
  await publishToRegistry({ registry: pristine, draftDir: await makeDraft(root, 'a'), signingKey: key });
});
afterAll(() => rm(root, { recursive: true, force: true }));

const pull = (source: RegistrySource, dest: string) =>
  pullVersion({ source, name: 'digits', selector: { channel: 'latest' }, dest, trustedKeys: [key.publicKey] });

async function withServer(handler: Parameters<typeof createServer>[1], run: (url: string) => Promise<void>): Promise<void> {
  const server: Server = createServer(handler);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  } finally {
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  }
}

describe('a hostile server cannot exhaust memory', () => {
  it('an index.json that never ends is cut at its limit', async () => {
    let sent = 0;
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    await withServer(
      (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        // Bounded: at most 4x the limit, then the server stops by itself.
        const pump = () => {
          while (sent < 4 * READ_LIMITS.index) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('close', () => (sent = Number.POSITIVE_INFINITY));
        pump();
      },
      async (url) => {
        const heapBefore = process.memoryUsage().arrayBuffers;
        expect(await codeOf(pull(httpSource(url), join(root, 'dest-endless')))).toBe('INTEGRITY_FAILED');
        const grown = process.memoryUsage().arrayBuffers - heapBefore;
        console.log(`endless index.json: refused; array buffers grew ${(grown / 1048576).toFixed(1)} MiB`);
        expect(grown).toBeLessThan(4 * READ_LIMITS.index);
      },
    );
  });

  it('an announced 2 GiB body is refused before it is read', async () => {
    await withServer(
      (_req, res) => {
        res.writeHead(200, { 'Content-Length': String(2 * 1024 ** 3) });
        res.write('{');
      },
      async (url) => {
        const error = await pull(httpSource(url), join(root, 'dest-huge')).catch((e: Error) => e);
        expect(String(error)).toMatch(/larger than the 16777216 bytes it may have \(the server announced 2147483648 bytes\)/);
      },
    );
  });

  it('a model file longer than its signed size is refused without reading the rest', async () => {
    const registry = join(root, 'long-model');
    await cp(pristine, registry, { recursive: true });
    await writeFile(join(registry, 'digits', '1.0.0', 'model.tflite'), Buffer.alloc(8 * 1024 * 1024), { flag: 'a' });
    const error = await pull(localSource(registry), join(root, 'dest-long')).catch((e: Error) => e);
    expect(String(error)).toMatch(/model\.tflite is larger than the \d+ bytes it may have/);
  });
});

describe('signed documents are read strictly', () => {
  it('a manifest with a duplicate key is refused even when a trusted key signed it', async () => {
    const registry = join(root, 'dup-manifest');
    await cp(pristine, registry, { recursive: true });
    const dir = join(registry, 'digits', '1.0.0');
    const text = await readFile(join(dir, 'manifest.json'), 'utf8');
    // The first "version" says 1.0.0; a reader keeping the last value would see 9.9.9.
    const bytes = Buffer.from(text.replace('"version": "1.0.0",', '"version": "1.0.0",\n  "version": "9.9.9",'));
    await writeFile(join(dir, 'manifest.json'), bytes);
    await writeFile(join(dir, 'manifest.sig'), JSON.stringify(signManifestBytes(bytes, key.privateKey, key.publicKey)));
    const index = JSON.parse(await readFile(join(registry, 'index.json'), 'utf8'));
    index.models.digits.versions[0].manifestSha256 = sha256Hex(bytes);
    await writeFile(join(registry, 'index.json'), JSON.stringify(index));
    // By version: a channel would refuse it earlier, its signed document pins the original bytes.
    const byVersion = pullVersion({ source: localSource(registry), name: 'digits', selector: { version: '1.0.0' }, dest: join(root, 'dest-dup'), trustedKeys: [key.publicKey] });
    const error = (await byVersion.then(
      () => null,
      (e: unknown) => e,
    )) as (Error & { code?: string }) | null;
    expect(error?.code).toBe('INTEGRITY_FAILED');
    expect(error?.message).toContain('duplicate key "version" at $');
    const report = await validateRegistry(registry, { trustedKeys: [key.publicKey] });
    expect(report.errors.join('\n')).toContain('duplicate key "version"');
  });

  it('an index with a duplicate key is REGISTRY_CORRUPT', async () => {
    const registry = join(root, 'dup-index');
    await cp(pristine, registry, { recursive: true });
    const text = await readFile(join(registry, 'index.json'), 'utf8');
    await writeFile(join(registry, 'index.json'), text.replace('"schemaVersion": 1,', '"schemaVersion": 1,\n  "schemaVersion": 1,'));
    expect(await codeOf(pull(localSource(registry), join(root, 'dest-dup-index')))).toBe('REGISTRY_CORRUPT');
  });
});

describe('versions stay inside what every consumer parses', () => {
  it('publish refuses a version part beyond nine digits', async () => {
    const registry = join(root, 'bounds');
    await cp(pristine, registry, { recursive: true });
    const draft = await makeDraft(root, 'bounds', { weightsSeed: 7 });
    expect(await codeOf(publishToRegistry({ registry, draftDir: draft, signingKey: key, version: '1.9007199254740991.0' }))).toBe('VERSION_RANGE_INVALID');
    expect((await validateRegistry(registry, { trustedKeys: [key.publicKey] })).ok).toBe(true);
  });

  it('validate names a version outside the bounds that someone wrote into the index', async () => {
    const registry = join(root, 'bounds-index');
    await cp(pristine, registry, { recursive: true });
    const text = await readFile(join(registry, 'index.json'), 'utf8');
    await writeFile(join(registry, 'index.json'), text.replaceAll('"1.0.0"', '"1.9007199254740991.0"'));
    const report = await validateRegistry(registry);
    expect(report.ok).toBe(false);
    expect(report.errors.join('\n')).toContain('version must be MAJOR.MINOR.PATCH with each part at most 999999999');
  });
});
