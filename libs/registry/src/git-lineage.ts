import { execa } from 'execa';

/**
 * The commit a model was built from and whether tracked files differed from it. Untracked
 * files do not count (like `git describe --dirty`). Outside a git checkout both are null.
 *
 * `model:version` is Nx-cached, so its runtime input in apps/model/project.json hashes exactly
 * these two facts (`git rev-parse --verify HEAD`, and whether `git status --porcelain
 * --untracked-files=no` is empty): a new commit or a clean/dirty flip re-runs the stage, anything
 * else (git-ignored out/ and registry/, untracked files, more edits to a dirty tree) keeps the
 * cache. git-lineage.test.ts keeps the two in step.
 */
export async function gitLineage(cwd: string): Promise<{ gitCommit: string | null; gitDirty: boolean | null }> {
  const options = { cwd, timeout: 10_000, reject: false, env: { GIT_OPTIONAL_LOCKS: '0' } } as const;
  const head = await execa('git', ['rev-parse', '--verify', 'HEAD'], options);
  if (head.exitCode !== 0 || typeof head.stdout !== 'string' || !/^[0-9a-f]{40,64}$/.test(head.stdout.trim())) {
    return { gitCommit: null, gitDirty: null };
  }
  const status = await execa('git', ['status', '--porcelain', '--untracked-files=no'], options);
  return {
    gitCommit: head.stdout.trim(),
    gitDirty: status.exitCode === 0 ? String(status.stdout).trim().length > 0 : null,
  };
}
