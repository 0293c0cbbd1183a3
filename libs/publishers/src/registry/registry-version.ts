import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OdtError } from '@odt/cli-kit';
import { readIndex } from '@odt/registry';
import { formatIssues, ManifestSchema, ManifestSignatureSchema, SEMVER_PATTERN, type Manifest, type ManifestFile } from '@odt/contract';

/** One file of a registry version, read into memory and checked against its manifest sha256. */
export interface VersionFile {
  path: string;
  role: ManifestFile['role'] | 'manifest' | 'signature';
  bytes: Buffer;
  sha256: string;
  md5Base64: string;
}

/** A registry version as remote targets mirror it: the manifest, its exact bytes, every file. */
export interface RegistryVersion {
  dir: string;
  manifest: Manifest;
  /** Model files in manifest order, then manifest.json and manifest.sig (written last remotely). */
  files: VersionFile[];
  trainableModel: VersionFile;
}

function digest(bytes: Buffer): { sha256: string; md5Base64: string } {
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    md5Base64: createHash('md5').update(bytes).digest('base64'),
  };
}

async function readOrFail(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new OdtError('REGISTRY_CORRUPT', `Cannot read ${what}`, { context: { path }, cause: error });
  }
}

/**
 * The version the registry's `latest` channel points at, read from index.json: a version folder
 * that is not in the index (a publish killed before its index write) is never mirrored.
 */
export async function latestRegistryVersion(registryDir: string, name: string): Promise<string> {
  const index = await readIndex(registryDir);
  const version = index.models[name]?.channels.latest.version;
  if (!version) {
    throw new OdtError('NOT_FOUND', `The registry has no published version of "${name}"`, {
      context: { registry: registryDir },
      suggestion: 'Check --registry (or MODEL_REGISTRY) and --name; `npx nx run model:publish` adds a version.',
    });
  }
  return version;
}

/**
 * Reads `<registry>/<name>/<version>/` and proves it is intact before anything is uploaded:
 * manifest.json matches ManifestSchema and names this version, manifest.sig is well formed,
 * every listed file exists with its sha256 and size, verification passed, and the trainable
 * model is present. The signature itself is checked by the registry and by the app.
 */
export async function readRegistryVersion(registryDir: string, name: string, version: string): Promise<RegistryVersion> {
  if (!SEMVER_PATTERN.test(version)) throw new OdtError('USAGE', `"${version}" is not a MAJOR.MINOR.PATCH version`);
  const dir = join(registryDir, name, version);
  const manifestBytes = await readOrFail(join(dir, 'manifest.json'), 'manifest.json');
  let raw: unknown;
  try {
    raw = JSON.parse(manifestBytes.toString('utf8'));
  } catch (error) {
    throw new OdtError('REGISTRY_CORRUPT', 'manifest.json is not JSON', { context: { dir }, cause: error });
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) throw new OdtError('REGISTRY_CORRUPT', 'manifest.json does not match the manifest schema', { context: { dir, issues: formatIssues(parsed.error) } });
  const manifest = parsed.data;
  if (manifest.name !== name || manifest.version !== version) {
    throw new OdtError('REGISTRY_CORRUPT', `manifest.json describes ${manifest.name}@${manifest.version}, not ${name}@${version}`, { context: { dir } });
  }
  if (!manifest.verification.passed) throw new OdtError('NOT_VERIFIED', `${name}@${version} did not pass verification; it will not be published`);
  const signatureBytes = await readOrFail(join(dir, 'manifest.sig'), 'manifest.sig');
  try {
    ManifestSignatureSchema.parse(JSON.parse(signatureBytes.toString('utf8')));
  } catch (error) {
    throw new OdtError('SIGNATURE_INVALID', 'manifest.sig is missing or malformed', { context: { dir }, cause: error });
  }
  const files: VersionFile[] = [];
  for (const entry of manifest.files) {
    const bytes = await readOrFail(join(dir, entry.path), entry.path);
    const d = digest(bytes);
    if (d.sha256 !== entry.sha256 || bytes.length !== entry.size) {
      throw new OdtError('INTEGRITY_FAILED', `${entry.path} does not match its manifest entry`, {
        context: { dir, expectedSha256: entry.sha256, actualSha256: d.sha256, expectedSize: entry.size, actualSize: bytes.length },
      });
    }
    files.push({ path: entry.path, role: entry.role, bytes, ...d });
  }
  const trainableModel = files.find((f) => f.role === 'trainable-model');
  if (!trainableModel) throw new OdtError('REGISTRY_CORRUPT', 'The manifest lists no trainable-model file', { context: { dir } });
  files.push({ path: 'manifest.json', role: 'manifest', bytes: manifestBytes, ...digest(manifestBytes) });
  files.push({ path: 'manifest.sig', role: 'signature', bytes: signatureBytes, ...digest(signatureBytes) });
  return { dir, manifest, files, trainableModel };
}

/** Contract major of a version: one Firebase model name per major, so apps never cross majors. */
export function majorOf(version: string): number {
  return Number(version.split('.')[0]);
}
