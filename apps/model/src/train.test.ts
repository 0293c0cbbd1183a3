import { mkdtemp, writeFile, readFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');

async function runTrain(config: unknown) {
  const dir = await mkdtemp(join(tmpdir(), 'odt-train-cli-'));
  await writeFile(join(dir, 'model.config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  const out = join(dir, 'out');
  const result = await execa('npx', ['tsx', 'apps/model/src/train.ts', '--config', join(dir, 'model.config.json'), '--out', out], {
    cwd: ROOT,
    reject: false,
    env: { TF_CPP_MIN_LOG_LEVEL: '3' },
  });
  return { ...result, out };
}

describe('model:train CLI edge', () => {
  it('turns a bad config into exit 10 with the field named and no stack trace', async () => {
    const config = JSON.parse(await readFile(join(ROOT, 'apps/model/model.config.json'), 'utf8'));
    config.epochs = -1;
    config.architecture.head[1].units = 7;
    const result = await runTrain(config);
    expect(result.exitCode).toBe(10);
    expect(result.stderr).toContain('epochs: epochs must be a positive whole number');
    expect(result.stderr).toContain('architecture.head.1.units');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    await expect(access(result.out)).rejects.toThrow();
  }, 60_000);

  it('turns a missing dataset into exit 11', async () => {
    const config = JSON.parse(await readFile(join(ROOT, 'apps/model/model.config.json'), 'utf8'));
    config.dataset = { source: 'image-folder', path: 'does-not-exist' };
    const result = await runTrain(config);
    expect(result.exitCode).toBe(11);
    expect(result.stderr).toContain('dataset.path points to');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
