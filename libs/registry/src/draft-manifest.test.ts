import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalHash, DraftManifestSchema, sha256Hex } from '@odt/contract';
import { createDraftManifest, writeDraftStage } from './draft-manifest.ts';
import { tempDir, writeStageFixture, codeOf } from './testing/stage-fixtures.ts';

let root: string;
beforeAll(async () => {
  root = await tempDir('draft');
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('createDraftManifest', () => {
  it('hashes every shipped file and summarises contract, ops, metrics, verification and lineage', async () => {
    const dirs = await writeStageFixture(join(root, 'ok'), { flex: true });
    const { draft } = await createDraftManifest(dirs, { workspaceRoot: root });
    expect(draft.files.map((f) => f.path)).toEqual([
      'model.tflite',
      'model-inference.tflite',
      'model-flex.tflite',
      'contract.json',
      'op-report.json',
      'verify-report.json',
      'metrics.json',
    ]);
    const model = await readFile(join(dirs.convert, 'model.tflite'));
    expect(draft.files[0]).toMatchObject({ role: 'trainable-model', sha256: sha256Hex(model), size: model.length });
    const contract = JSON.parse(await readFile(join(dirs.train, 'contract.json'), 'utf8'));
    expect(draft.contractHash).toBe(canonicalHash(contract));
    expect(draft.opReport).toEqual({ builtinOps: 3, flexOps: 0, ops: ['FULLY_CONNECTED', 'MUL', 'SOFTMAX'] });
    expect(draft.metrics).toEqual({ testAccuracy: 0.98 });
    expect(draft.verification).toEqual({ passed: true, checks: ['signatures', 'parity'] });
    expect(draft.lineage).toMatchObject({ gitCommit: null, gitDirty: null, pythonVersion: '3.11.9', converterTensorflowVersion: '2.19.0' });
    expect(DraftManifestSchema.safeParse(draft).success).toBe(true);
  });

  it('records the git commit and the dirty flag (tracked changes only) inside a checkout', async () => {
    const repo = join(root, 'repo');
    await mkdir(repo);
    const git = (...args: string[]) => {
      const result = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo, encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      return result.stdout.trim();
    };
    git('init', '-q');
    await writeFile(join(repo, 'tracked.txt'), 'one');
    git('add', 'tracked.txt');
    git('commit', '-q', '-m', 'first');
    const dirs = await writeStageFixture(join(repo, 'out'));
    const clean = await createDraftManifest(dirs, { workspaceRoot: repo });
    expect(clean.draft.lineage).toMatchObject({ gitCommit: git('rev-parse', 'HEAD'), gitDirty: false });
    await writeFile(join(repo, 'tracked.txt'), 'two');
    expect((await createDraftManifest(dirs, { workspaceRoot: repo })).draft.lineage.gitDirty).toBe(true);
    // A new commit moves the recorded commit along (the stage files under out/ are untracked: no effect).
    git('commit', '-q', '-am', 'second');
    const second = git('rev-parse', 'HEAD');
    expect(second).not.toBe(clean.draft.lineage.gitCommit);
    expect((await createDraftManifest(dirs, { workspaceRoot: repo })).draft.lineage).toMatchObject({ gitCommit: second, gitDirty: false });
  });

  it('refuses a model whose verification report is missing or failed (NOT_VERIFIED), writing nothing', async () => {
    const missing = await writeStageFixture(join(root, 'missing'), { verifyPassed: 'missing' });
    expect(await codeOf(writeDraftStage(missing, join(root, 'out-missing'), { workspaceRoot: root }))).toBe('NOT_VERIFIED');
    const failed = await writeStageFixture(join(root, 'failed'), { verifyPassed: false });
    expect(await codeOf(writeDraftStage(failed, join(root, 'out-failed'), { workspaceRoot: root }))).toBe('NOT_VERIFIED');
    await expect(readFile(join(root, 'out-failed', 'draft-manifest.json'))).rejects.toThrow();
  });

  it('refuses a verification report made for other model bytes (NOT_VERIFIED)', async () => {
    const dirs = await writeStageFixture(join(root, 'stale-verify'));
    const report = JSON.parse(await readFile(join(dirs.verify, 'verify-report.json'), 'utf8'));
    report.model = { file: 'model.tflite', sha256: 'f'.repeat(64) };
    await writeFile(join(dirs.verify, 'verify-report.json'), JSON.stringify(report));
    expect(await codeOf(createDraftManifest(dirs, { workspaceRoot: root }))).toBe('NOT_VERIFIED');
    report.model.sha256 = sha256Hex(await readFile(join(dirs.convert, 'model.tflite')));
    await writeFile(join(dirs.verify, 'verify-report.json'), JSON.stringify(report));
    expect(await codeOf(createDraftManifest(dirs, { workspaceRoot: root }))).toBeUndefined();
  });

  it("reads the bridge's per-file op report and counts non-builtin ops as Flex", async () => {
    const dirs = await writeStageFixture(join(root, 'bridge-ops'));
    const ops = (kinds: Array<[string, string]>) => ({ flavour: 'x', ops: kinds.map(([name, kind]) => ({ name, kind, count: 1 })) });
    await writeFile(
      join(dirs.convert, 'op-report.json'),
      JSON.stringify({
        schemaVersion: 1,
        models: {
          'model-flex.tflite': ops([['FlexSave', 'flex']]),
          'model.tflite': ops([['FULLY_CONNECTED', 'builtin'], ['MyOp', 'custom'], ['FlexRelu', 'flex']]),
        },
      }),
    );
    const { draft } = await createDraftManifest(dirs, { workspaceRoot: root });
    expect(draft.opReport).toEqual({ builtinOps: 1, flexOps: 2, ops: ['FULLY_CONNECTED', 'FlexRelu', 'MyOp'] });
  });

  it('names a missing model file and an unreadable op report (ARTIFACTS_INVALID)', async () => {
    const dirs = await writeStageFixture(join(root, 'broken'));
    await writeFile(join(dirs.convert, 'op-report.json'), '{"something":"else"}');
    expect(await codeOf(createDraftManifest(dirs, { workspaceRoot: root }))).toBe('ARTIFACTS_INVALID');
    await rm(join(dirs.convert, 'model.tflite'));
    expect(await codeOf(createDraftManifest(dirs, { workspaceRoot: root }))).toBe('ARTIFACTS_INVALID');
  });

  it('writes the stage folder with the draft and a copy of every file', async () => {
    const dirs = await writeStageFixture(join(root, 'stage'));
    const out = join(root, 'out-stage');
    const draft = await writeDraftStage(dirs, out, { workspaceRoot: root });
    for (const file of draft.files) expect(sha256Hex(await readFile(join(out, file.path)))).toBe(file.sha256);
    expect(JSON.parse(await readFile(join(out, 'draft-manifest.json'), 'utf8'))).toEqual(draft);
  });
});
