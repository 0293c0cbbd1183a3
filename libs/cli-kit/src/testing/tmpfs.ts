import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN): the full-disk, read-only and
 * busy-mount tests use a real small file system and are skipped where mounting is not allowed.
 */
export function canMountTmpfs(): boolean {
  const probe = join(tmpdir(), `odt-mount-probe-${process.pid}`);
  spawnSync('mkdir', ['-p', probe]);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status === 0;
  if (mounted) spawnSync('umount', [probe]);
  spawnSync('rmdir', [probe]);
  return mounted;
}

/** Mounts a tmpfs with the given options (e.g. `size=16k`, `size=1m,ro`) on an existing folder. */
export function mountTmpfs(dir: string, options: string): boolean {
  return spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]).status === 0;
}
