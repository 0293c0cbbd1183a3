import { parseArgs } from 'node:util';
import { OdtError } from '@odt/cli-kit';
import { fetchVerifiedVersion, loadTrustedKeys, openRegistrySource, resolveRegistryPath, type VersionSelector } from '@odt/registry';
import { TARGETS } from '../create-publisher.ts';
import { assertDisplayName } from '../firebase-ml/model-naming.ts';
import { publishToRemote } from '../publish-remote.ts';
import type { TargetName } from '../publisher.ts';

export const USAGE = `usage: publish --target firebase-ml|firebase-storage --name <model> [options]
  Mirrors a version already in the registry (e.g. an earlier one, to roll a target back);
  \`npx nx run model:publish --target=...\` publishes the current model and mirrors it in one go.
  --registry <dir|gs://b/p> registry (default: $MODEL_REGISTRY or <workspace>/registry)
  --version <x.y.z>         registry version to mirror (default: the registry's signed latest channel)
  --public-key <file>       keys to verify the version with (default: $MODEL_SIGNING_PUBLIC_KEY(_FILE),
                            else this workspace's development key)
  --channel <c>             firebase-storage channel pointer to move (default: latest)
  --bucket <b>              Storage bucket (default: $FIREBASE_STORAGE_BUCKET)
  --project <id>            Firebase project (default: from the service-account key)
  --service-account <file>  key file (default: $GOOGLE_APPLICATION_CREDENTIALS or gcloud ADC)
  --display-name <n>        firebase-ml model name (default: <name>_v<major>)
  --report <file>           also write the JSON report there
  --timeout-ms <ms>         budget for the whole publish; the request in progress is cancelled
                            when it passes (default 900000 = 15 min)
  --attempt-timeout-ms <ms> budget for one attempt of a step before it is cancelled and retried
                            (default 120000)
  --dry-run                 print what would be done; no network call`;

/** Parses a positive integer number of milliseconds from a CLI option. */
export function parseMs(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new OdtError('USAGE', `--${name} must be a positive number of milliseconds, not "${value}"`, { suggestion: USAGE });
  return Number(value);
}

/**
 * Standalone mirror of a registry version: parses argv, reads the version through the registry's
 * one reader (`fetchVerifiedVersion`: manifest.sig against the trusted keys, every sha256,
 * model.sig, the signed channel document when no --version is given), then runs one publisher.
 * Returns the exit code.
 */
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
        'public-key': { type: 'string' },
        channel: { type: 'string' },
        bucket: { type: 'string' },
        project: { type: 'string' },
        'service-account': { type: 'string' },
        'display-name': { type: 'string' },
        report: { type: 'string' },
        'timeout-ms': { type: 'string' },
        'attempt-timeout-ms': { type: 'string' },
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
  if (!TARGETS.includes(values.target as TargetName)) throw new OdtError('USAGE', `Unknown publish target "${values.target}"`, { suggestion: `Use --target ${TARGETS.join(' or ')}.` });
  if (values['display-name'] !== undefined) assertDisplayName(values['display-name']);
  const timeoutMs = parseMs('timeout-ms', values['timeout-ms']);
  const attemptTimeoutMs = parseMs('attempt-timeout-ms', values['attempt-timeout-ms']);
  const trustedKeys = loadTrustedKeys(io.env, { publicKeyFile: values['public-key'], notice: (line) => io.out(`note: ${line}`) });
  const selector: VersionSelector = values.version ? { version: values.version } : { channel: 'latest' };
  const source = await openRegistrySource(resolveRegistryPath(values.registry, io.env));
  const version = await fetchVerifiedVersion({ source, name: values.name, selector, trustedKeys });
  await publishToRemote(values.target, version, {
    dryRun: values['dry-run'],
    bucket: values.bucket,
    projectId: values.project,
    serviceAccountPath: values['service-account'],
    displayName: values['display-name'],
    channel: values.channel,
    reportPath: values.report,
    timeoutMs,
    ...(attemptTimeoutMs ? { retry: { attemptTimeoutMs } } : {}),
    env: io.env,
    out: io.out,
  });
  return 0;
}
