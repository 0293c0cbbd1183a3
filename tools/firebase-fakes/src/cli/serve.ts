import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFirebaseFakes } from '../firebase-fakes.ts';

// Runs the fakes until Ctrl-C and prints the env that routes a real publish to them (ML, OAuth
// and Storage through the publishers' routing agent, with real tokens checked), e.g.
//   npx nx run firebase-fakes:serve   then, in another shell, export the printed lines and run
//   npx nx run model:publish --target=firebase-ml
const bucket = process.env.FAKE_BUCKET ?? 'odt-fake-project.appspot.com';
const fakes = await startFirebaseFakes({ buckets: [bucket] });
const dir = await mkdtemp(join(tmpdir(), 'odt-fakes-'));
const keyPath = join(dir, 'service-account.json');
await writeFile(keyPath, JSON.stringify(fakes.createServiceAccount()), { mode: 0o600 });
const routes = Object.entries(fakes.routes).map(([host, target]) => `${host}=${target}`).join(',');
process.stdout.write(
  [
    `export ODT_GOOGLE_API_ROUTES=${routes}`,
    `export GOOGLE_APPLICATION_CREDENTIALS=${keyPath}`,
    `export FIREBASE_STORAGE_BUCKET=${bucket}`,
    '',
  ].join('\n'),
);
const stop = async () => {
  const models = [...fakes.ml.models.values()].map((m) => `${m.displayName} published=${m.published} tags=${m.tags.join(',')}`);
  process.stderr.write(`fakes saw ${fakes.requests.length} requests; models: ${models.join('; ') || '(none)'}\n`);
  await fakes.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
