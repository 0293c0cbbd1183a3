import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '@odt/cli-kit';
import { CLI_MAIN, spawnTs } from '../testing/child-process.ts';
import { makeDraft, tempDir, testKey } from '../testing/stage-fixtures.ts';

const { privatePem, publicPem } = testKey();
const NO_KEYS = { MODEL_SIGNING_KEY: '', MODEL_SIGNING_KEY_FILE: '', MODEL_SIGNING_PUBLIC_KEY: '', MODEL_SIGNING_PUBLIC_KEY_FILE: '', MODEL_REGISTRY: '' };
const KEY_ENV = { MODEL_SIGNING_KEY: privatePem, MODEL_SIGNING_PUBLIC_KEY: publicPem, MODEL_REGISTRY: '' };
let root: string;
let registry: string;
let draft: string;

/** Runs the real CLI (tsx) and returns exit status, output and wall time. */
async function cli(args: string[], env: NodeJS.ProcessEnv = KEY_ENV, cwd?: string) {
  const started = performance.now();
  const child = spawnTs(CLI_MAIN, args, env, cwd);
  child.process.stdin!.end();
  const exit = await child.exited;
  return { code: exit.code, stdout: child.stdout(), stderr: child.stderr(), ms: performance.now() - started };
}

beforeAll(async () => {
  root = await tempDir('cli');
  registry = join(root, 'registry');
  draft = await makeDraft(root, 'a');
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('registry CLI', () => {
  it('publishes 1.0.0, then a no-change publish says so and exits 0', async () => {
    const first = await cli(['publish', '--draft', draft, '--registry', registry]);
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(/published digits@1\.0\.0 \(first/);
    const again = await cli(['publish', '--draft', draft, '--registry', registry]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/nothing to publish: the model is identical to digits@1\.0\.0/);
    console.log(`no-change publish (CLI process, node --import tsx): ${again.ms.toFixed(0)} ms wall`);
  }, 60_000);

  it('maps each bad input to its documented exit status without a stack trace', async () => {
    const blocker = join(root, 'blocker');
    await writeFile(blocker, 'a file');
    const corrupt = join(root, 'corrupt');
    await mkdir(corrupt);
    await writeFile(join(corrupt, 'index.json'), '{ not json');
    const cases: Array<[string[], keyof typeof EXIT_CODES]> = [
      [['promote', '1.0.0', '--channel', 'beta', '--registry', registry], 'NOT_FOUND'],
      [['pull', '--name', 'digits', '--range', '^^1', '--dest', join(root, 'dest'), '--from', registry], 'VERSION_RANGE_INVALID'],
      [['publish', '--draft', draft, '--registry', join(blocker, 'registry')], 'REGISTRY_NOT_WRITABLE'],
      [['validate', '--registry', corrupt], 'REGISTRY_CORRUPT'],
      [['publish', '--draft', draft, '--registry', registry, '--version', '0.9.0', '--bogus'], 'USAGE'],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args)));
    results.forEach((result, i) => {
      const [args, code] = cases[i]!;
      expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(EXIT_CODES[code].exit);
      expect(result.stderr).toContain(`error[${code}]`);
      expect(result.stderr).toContain('fix:');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });
    expect(await readFile(join(corrupt, 'index.json'), 'utf8')).toBe('{ not json');
  }, 60_000);

  it('creates a development key on first use, says so loudly, and pull trusts it', async () => {
    const workspace = join(root, 'workspace');
    await mkdir(workspace);
    await writeFile(join(workspace, 'nx.json'), '{}');
    const keyDir = join(workspace, '.keys');
    const noKeys = { ...NO_KEYS, MODEL_SIGNING_DEV_KEY_DIR: keyDir };
    const published = await cli(['publish', '--draft', draft, '--registry', join(workspace, 'registry')], noKeys, workspace);
    expect(published.code, published.stderr).toBe(0);
    expect(published.stderr).toMatch(/DEVELOPMENT signing key/);
    expect((await stat(join(keyDir, 'model-signing-dev.pem'))).mode & 0o777).toBe(0o600);
    expect(await stat(join(workspace, 'registry', 'digits', '1.0.0', 'manifest.sig'))).toBeTruthy();
    const pulled = await cli(['pull', '--name', 'digits', '--channel', 'latest', '--from', join(workspace, 'registry'), '--dest', join(workspace, 'pulled')], noKeys, workspace);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.stderr).toMatch(/^note: trusting only this workspace's development key [0-9a-f]{16} /);
    expect(pulled.stdout).toMatch(/pulled digits@1\.0\.0/);
  }, 60_000);

  it('never trusts a key found through the working directory', async () => {
    // Someone prepared a folder that looks like a workspace, with their own key and registry.
    const foreign = join(root, 'prepared-by-someone-else');
    await mkdir(join(foreign, '.keys'), { recursive: true });
    await writeFile(join(foreign, 'nx.json'), '{}');
    const attacker = testKey();
    await writeFile(join(foreign, '.keys', 'model-signing-dev.pub.pem'), attacker.publicPem);
    const signed = await cli(['publish', '--draft', draft, '--registry', join(foreign, 'registry')], { ...NO_KEYS, MODEL_SIGNING_KEY: attacker.privatePem }, foreign);
    expect(signed.code, signed.stderr).toBe(0);
    const emptyKeyDir = join(root, 'no-dev-key');
    const pulled = await cli(['pull', '--channel', 'latest', '--dest', join(root, 'victim-dest')], { ...NO_KEYS, MODEL_SIGNING_DEV_KEY_DIR: emptyKeyDir }, foreign);
    expect(pulled.code, pulled.stderr).toBe(EXIT_CODES.SIGNING_KEY_MISSING.exit);
    expect(pulled.stderr).toContain('error[SIGNING_KEY_MISSING]: no public key to verify manifests with');
  }, 60_000);
});
