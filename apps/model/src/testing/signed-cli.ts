import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { execa } from 'execa';

/** The repository root: the end-to-end tests run the stage CLIs from there, as a user does. */
export const ROOT = join(import.meta.dirname, '../../../..');

/** What a finished CLI run left: its status and its whole output. */
export interface CliRun {
  exitCode?: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node --import tsx <script> ...` from the repository root with a fresh P-256 signing key in
 * the environment and MODEL_SIGNING_REQUIRE_KEY set, so a publish can never fall back to a
 * development key. Why shared: every end-to-end test publishes and pulls the same way.
 */
export function signedCli(): (args: string[]) => Promise<CliRun> {
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const env = {
    MODEL_SIGNING_KEY: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    MODEL_SIGNING_PUBLIC_KEY: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    MODEL_SIGNING_REQUIRE_KEY: '1',
  };
  return async (args) => execa('node', ['--import', 'tsx', ...args], { cwd: ROOT, env, reject: false });
}
