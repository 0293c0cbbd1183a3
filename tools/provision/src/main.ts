import { runCli } from '@odt/cli-kit';
import { ensurePythonEnv } from './python-env.ts';
import { ensureSigningEnv } from './signing-env.ts';
import { ensureTfjsNative } from './tfjs-native.ts';

// Entry point of `nx run provision:provision`: the pinned Python env first (it carries the
// TensorFlow wheel), then the tfjs-node addon built against that wheel, then the reference
// model.sig verifier's own venv. Each step is skipped when its stamp matches, so a second run
// does no provisioning work.
await runCli(async () => {
  const started = Date.now();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const py = await ensurePythonEnv(log);
  const tf = await ensureTfjsNative(log);
  const signing = await ensureSigningEnv(log);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const what = py.skipped && tf.skipped && signing.skipped ? 'up to date, nothing to do' : 'provisioned';
  process.stdout.write(`provision: ${what} (Python ${py.version}, TensorFlow ${tf.tensorflowVersion}, model_signing env) in ${seconds}s\n`);
});
