import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { appendFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitLineage } from './git-lineage.ts';
import { tempDir } from './testing/stage-fixtures.ts';

/**
 * `model:version` is Nx-cached and records gitCommit/gitDirty, so its cache key must move exactly
 * when that lineage moves. The key part is the version target's runtime input in
 * apps/model/project.json; Nx runs it with the shell from the workspace root.
 */
function versionRuntimeInput(): string {
  const workspaceRoot = fileURLToPath(new URL('../../../', import.meta.url));
  const project = JSON.parse(readFileSync(join(workspaceRoot, 'apps/model/project.json'), 'utf8'));
  const inputs = project.targets.version.inputs as Array<string | { runtime?: string }>;
  const runtime = inputs.flatMap((input) => (typeof input === 'object' && input.runtime?.includes('git ') ? [input.runtime] : []));
  expect(runtime, 'model:version has one git runtime input').toHaveLength(1);
  return runtime[0]!;
}

let repo: string;
const git = (...args: string[]) => {
  const result = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trim();
};

beforeAll(async () => {
  repo = await tempDir('git-lineage');
});
afterAll(() => rm(repo, { recursive: true, force: true }));

describe('git lineage of the version stage', () => {
  it('follows every commit and clean/dirty flip, and the Nx cache key of model:version moves with it (and only then)', async () => {
    const command = versionRuntimeInput();
    const nxKey = () => {
      const result = spawnSync('sh', ['-c', command], { cwd: repo, encoding: 'utf8' });
      return `${result.stdout.trim()}|${result.stderr.trim()}`; // Nx hashes both streams
    };
    const states: Array<{ step: string; key: string; lineage: Awaited<ReturnType<typeof gitLineage>> }> = [];
    const record = async (step: string) => states.push({ step, key: nxKey(), lineage: await gitLineage(repo) });

    git('init', '-q');
    await writeFile(join(repo, '.gitignore'), '/out/\n/registry/\n');
    await writeFile(join(repo, 'tracked.txt'), 'one');
    git('add', '.gitignore', 'tracked.txt');
    git('commit', '-q', '-m', 'first');
    const first = git('rev-parse', 'HEAD');
    await record('first commit');

    // What the pipeline itself writes (git-ignored) and new untracked files change neither.
    await mkdir(join(repo, 'out', 'model', 'version'), { recursive: true });
    await writeFile(join(repo, 'out', 'model', 'version', 'draft-manifest.json'), '{}');
    await mkdir(join(repo, 'registry'));
    await writeFile(join(repo, 'registry', 'index.json'), '{}');
    await writeFile(join(repo, 'scratch.txt'), 'untracked');
    await record('ignored outputs and an untracked file');

    await appendFile(join(repo, 'tracked.txt'), ' two');
    await record('tracked file edited');
    await appendFile(join(repo, 'tracked.txt'), ' three');
    await record('edited again (still dirty)');

    git('commit', '-q', '-am', 'second');
    const second = git('rev-parse', 'HEAD');
    await record('second commit');
    git('commit', '-q', '--allow-empty', '-m', 'third');
    const third = git('rev-parse', 'HEAD');
    await record('empty third commit');

    expect(states.map((s) => [s.step, s.lineage])).toEqual([
      ['first commit', { gitCommit: first, gitDirty: false }],
      ['ignored outputs and an untracked file', { gitCommit: first, gitDirty: false }],
      ['tracked file edited', { gitCommit: first, gitDirty: true }],
      ['edited again (still dirty)', { gitCommit: first, gitDirty: true }],
      ['second commit', { gitCommit: second, gitDirty: false }],
      ['empty third commit', { gitCommit: third, gitDirty: false }],
    ]);
    for (let i = 1; i < states.length; i += 1) {
      const lineageMoved = JSON.stringify(states[i]!.lineage) !== JSON.stringify(states[i - 1]!.lineage);
      expect(states[i]!.key !== states[i - 1]!.key, `${states[i]!.step}: cache key moves iff lineage moves`).toBe(lineageMoved);
    }
    expect(states[0]!.key).toContain(first);
  });

  it('records no lineage outside a git checkout, with a constant cache key', async () => {
    const outside = await tempDir('no-git');
    try {
      expect(await gitLineage(outside)).toEqual({ gitCommit: null, gitDirty: null });
      const key = spawnSync('sh', ['-c', versionRuntimeInput()], { cwd: outside, encoding: 'utf8', env: { ...process.env, GIT_CEILING_DIRECTORIES: outside } });
      expect(key.status).toBe(0);
      expect(key.stdout.trim().split('\n')).toEqual(['no-commit', 'clean']);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});
