import { mkdtemp, writeFile, readFile, access, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');

const runStage = (script: string, args: string[]) =>
  execa('npx', ['tsx', `apps/model/src/${script}`, ...args], { cwd: ROOT, reject: false, env: { TF_CPP_MIN_LOG_LEVEL: '3' } });

async function runTrain(config: unknown, prepare: (dir: string) => Promise<void> = async () => {}) {
  const dir = await mkdtemp(join(tmpdir(), 'odt-train-cli-'));
  await prepare(dir);
  await writeFile(join(dir, 'model.config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  const out = join(dir, 'out');
  const result = await runStage('train.ts', ['--config', join(dir, 'model.config.json'), '--out', out]);
  return { ...result, out };
}

const defaultConfig = async () => JSON.parse(await readFile(join(ROOT, 'apps/model/model.config.json'), 'utf8'));

describe('model:train CLI edge', () => {
  it('turns a bad config into exit 10 with the field named and no stack trace', async () => {
    const config = await defaultConfig();
    config.epochs = -1;
    config.architecture.head[1].units = 7;
    const result = await runTrain(config);
    expect(result.exitCode).toBe(10);
    expect(result.stderr).toContain('epochs: epochs must be a positive whole number');
    expect(result.stderr).toContain('architecture.head.1.units');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    await expect(access(result.out)).rejects.toThrow();
  }, 60_000);

  it('turns a misspelt key into exit 10 with a did-you-mean', async () => {
    const config = await defaultConfig();
    config.epochz = config.epochs;
    const result = await runTrain(config);
    expect(result.exitCode).toBe(10);
    expect(result.stderr).toContain('(root): unknown key "epochz" (did you mean "epochs"?)');
  }, 60_000);

  it('turns a missing dataset into exit 11', async () => {
    const config = await defaultConfig();
    config.dataset = { source: 'image-folder', path: 'does-not-exist' };
    const result = await runTrain(config);
    expect(result.exitCode).toBe(11);
    expect(result.stderr).toContain('dataset.path points to');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('turns a folder given as an IDX file into exit 11, not 70', async () => {
    const config = await defaultConfig();
    config.dataset = { source: 'idx', images: 'images', labels: 'labels' };
    const result = await runTrain(config, async (dir) => {
      await mkdir(join(dir, 'images'));
      await mkdir(join(dir, 'labels'));
    });
    expect(result.exitCode).toBe(11);
    expect(result.stderr).toMatch(/error\[DATASET_NOT_FOUND\]: dataset.images points to .*images, which is a folder; it must be an IDX file/);
  }, 60_000);

  it('prints its usage for --help', async () => {
    const result = await runStage('train.ts', ['--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('usage: model:train [--config apps/model/model.config.json] [--out out/model/train] [--features <out>/../features] [--help]');
  }, 60_000);
});

describe('stage CLIs refuse unknown options with USAGE (exit 14)', () => {
  for (const [script, usage] of [
    ['train.ts', 'usage: model:train'],
    ['convert.ts', 'usage: model:convert'],
    ['verify.ts', 'usage: model:verify'],
  ] as const) {
    it(`${script} --bogus`, async () => {
      const result = await runStage(script, ['--bogus']);
      expect(result.exitCode).toBe(14);
      expect(result.stderr).toContain("error[USAGE]: Unknown option '--bogus'");
      expect(result.stderr).toContain(`fix: ${usage}`);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }, 60_000);
  }

  it('verify.ts --steps that is not a whole number', async () => {
    const result = await runStage('verify.ts', ['--steps', 'many']);
    expect(result.exitCode).toBe(14);
    expect(result.stderr).toContain('error[USAGE]: --steps must be a whole number from 1 to 10000, got "many"');
  }, 60_000);
});
