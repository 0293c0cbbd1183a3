import { parseArgs } from 'node:util';
import { OdtError, writeJsonAtomic } from '@odt/cli-kit';
import { createPublisher } from '../create-publisher.ts';
import { formatPlan } from '../publisher.ts';
import { latestRegistryVersion, readRegistryVersion } from '../registry/registry-version.ts';

export const USAGE = `usage: publish --target firebase-ml|firebase-storage --name <model> [options]
  --registry <dir>          local registry (default: $MODEL_REGISTRY or ./registry)
  --version <x.y.z>         registry version to mirror (default: the highest in the registry)
  --channel <c>             firebase-storage channel pointer to move (default: latest)
  --bucket <b>              Storage bucket (default: $FIREBASE_STORAGE_BUCKET)
  --project <id>            Firebase project (default: from the service-account key)
  --service-account <file>  key file (default: $GOOGLE_APPLICATION_CREDENTIALS or gcloud ADC)
  --display-name <n>        firebase-ml model name (default: <name>_v<major>)
  --report <file>           also write the JSON report there
  --dry-run                 print what would be done; no network call`;

/** Parses argv, reads and checks the registry version, and runs one publisher. Returns the exit code. */
export async function runPublishCommand(argv: string[], io: { out: (s: string) => void; env: NodeJS.ProcessEnv }): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv[0] === 'publish' ? argv.slice(1) : argv,
      options: {
        target: { type: 'string' },
        registry: { type: 'string' },
        name: { type: 'string' },
        version: { type: 'string' },
        channel: { type: 'string' },
        bucket: { type: 'string' },
        project: { type: 'string' },
        'service-account': { type: 'string' },
        'display-name': { type: 'string' },
        report: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new OdtError('USAGE', (error as Error).message, { suggestion: USAGE });
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (!values.target || !values.name) throw new OdtError('USAGE', '--target and --name are required', { suggestion: USAGE });
  const registry = values.registry ?? io.env.MODEL_REGISTRY ?? 'registry';
  const publisher = createPublisher(values.target, {
    bucket: values.bucket ?? io.env.FIREBASE_STORAGE_BUCKET,
    projectId: values.project,
    serviceAccountPath: values['service-account'],
    displayName: values['display-name'],
    channel: values.channel,
    env: io.env,
    log: (line) => io.out(line),
  });
  const version = values.version ?? (await latestRegistryVersion(registry, values.name));
  const registryVersion = await readRegistryVersion(registry, values.name, version);
  const dryRun = values['dry-run'];
  if (dryRun) io.out(formatPlan(publisher.plan(registryVersion)));
  const report = await publisher.publish(registryVersion, { dryRun });
  if (!dryRun) {
    for (const a of report.actions) io.out(`${a.status.padEnd(7)} ${a.kind} ${a.target}`);
    io.out(JSON.stringify(report.remote));
  }
  if (values.report) await writeJsonAtomic(values.report, report);
  return 0;
}
