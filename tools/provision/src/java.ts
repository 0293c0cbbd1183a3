import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { OdtError } from '@odt/cli-kit';

/** The Kotlin core's JVM tests call LiteRT through the FFM API, final since JDK 22. */
export const MIN_JDK = 22;

/** Major version of the JDK at `home`, or null when it has no working `bin/java`. */
export async function jdkMajor(home: string): Promise<number | null> {
  const result = await execa(join(home, 'bin', 'java'), ['-version'], { reject: false, timeout: 20_000 });
  const match = /version "(\d+)(?:\.(\d+))?/.exec(String(result.stderr));
  if (!match) return null;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

/**
 * Finds a JDK new enough for the Kotlin core: JAVA_HOME first, then the usual install folders.
 * The machine's default java may be older (17); Maven is then run with the JDK found here.
 */
export async function findJdk(min = MIN_JDK): Promise<{ home: string; major: number }> {
  const roots = ['/usr/lib/jvm', '/opt/java', '/usr/local/lib/jvm'];
  const candidates = [process.env.JAVA_HOME].filter(Boolean) as string[];
  for (const root of roots) {
    for (const name of (await readdir(root).catch(() => [])).sort().reverse()) candidates.push(join(root, name));
  }
  const seen: string[] = [];
  for (const home of candidates) {
    const major = await jdkMajor(home);
    if (major === null) continue;
    if (major >= min) return { home, major };
    seen.push(`${home} is JDK ${major}`);
  }
  throw new OdtError('TOOLCHAIN_MISSING', `the Kotlin core's tests need JDK ${min} or newer (java.lang.foreign) and none was found`, {
    context: { found: seen.join('; ') || 'no JDK' },
    suggestion: `Install a JDK ${min}+ (e.g. Temurin 25) and set JAVA_HOME to it.`,
  });
}
