import { execa } from 'execa';
import { OdtError, runCli } from '@odt/cli-kit';
import { findJdk } from './java.ts';
import { WORKSPACE_ROOT } from './workspace-paths.ts';

// `tsx tools/provision/src/run-maven.ts <mvn args>`: runs Maven from the workspace root with a
// JDK new enough for the Kotlin core, so the Nx target works whatever the default java is.
await runCli(async () => {
  const jdk = await findJdk();
  const probe = await execa('mvn', ['--version'], { reject: false, timeout: 60_000, env: { JAVA_HOME: jdk.home } });
  if (probe.exitCode !== 0) {
    throw new OdtError('TOOLCHAIN_MISSING', 'Maven (mvn) was not found on PATH', { suggestion: 'Install Maven 3.8+ (Debian/Ubuntu: apt-get install maven).' });
  }
  const result = await execa('mvn', process.argv.slice(2), {
    cwd: WORKSPACE_ROOT,
    stdio: 'inherit',
    reject: false,
    env: { JAVA_HOME: jdk.home, MAVEN_OPTS: process.env.MAVEN_OPTS ?? '-XX:+UseSerialGC' },
  });
  return result.exitCode ?? 1;
});
