import { OdtError } from '@odt/cli-kit';
import type { RegistryModel, RegistryVersionEntry } from '@odt/contract';
import { bumpVersion, compareVersions, parseVersion } from './versions.ts';

export type VersionDecision =
  | { kind: 'unchanged'; version: string; why: 'identical-content' | 'identical-inputs' }
  | { kind: 'new'; version: string; parentVersion: string | null; reason: 'first' | 'contract-changed' | 'content-changed' };

/** The newest published version of a model (versions only move forward, so the highest). */
export function latestEntry(model: RegistryModel | undefined): RegistryVersionEntry | null {
  if (!model || model.versions.length === 0) return null;
  return model.versions.reduce((a, b) => (compareVersions(b.version, a.version) > 0 ? b : a));
}

/**
 * The version rule: contract change -> next major, model bytes change -> next minor, identical
 * content -> no new version. A retrain of identical inputs (same config, data, pipeline code and
 * toolchain: the same inputsHash) whose bytes differ only by another CPU's numerics is not a new
 * version either, unless asked (`newVersion`, or an explicit version). An explicit version must
 * move forward (and past the major when the contract changed, since apps refuse a new contract
 * under an old major).
 */
export function decideVersion(
  model: RegistryModel | undefined,
  draft: { contractHash: string; contentHash: string; lineage?: { inputsHash?: string } },
  explicit?: string,
  options: { newVersion?: boolean } = {},
): VersionDecision {
  if (explicit !== undefined) parseVersion(explicit);
  const latest = latestEntry(model);
  if (!latest) return { kind: 'new', version: explicit ?? '1.0.0', parentVersion: null, reason: 'first' };
  const contractChanged = latest.contractHash !== draft.contractHash;
  if (!contractChanged && latest.contentHash === draft.contentHash) return { kind: 'unchanged', version: latest.version, why: 'identical-content' };
  const sameInputs = latest.inputsHash !== undefined && latest.inputsHash === draft.lineage?.inputsHash;
  if (!contractChanged && sameInputs && explicit === undefined && !options.newVersion) {
    return { kind: 'unchanged', version: latest.version, why: 'identical-inputs' };
  }
  const reason = contractChanged ? 'contract-changed' : 'content-changed';
  const automatic = bumpVersion(latest.version, contractChanged ? 'major' : 'minor');
  if (explicit === undefined) return { kind: 'new', version: automatic, parentVersion: latest.version, reason };
  if (compareVersions(explicit, latest.version) <= 0) {
    throw new OdtError('VERSION_CONFLICT', `version ${explicit} does not move forward from ${latest.version}`, {
      context: { requested: explicit, latest: latest.version, next: automatic },
    });
  }
  if (contractChanged && parseVersion(explicit).major <= parseVersion(latest.version).major) {
    throw new OdtError('VERSION_CONFLICT', `the signature contract changed, so the version needs a new major (${automatic} or later)`, {
      context: { requested: explicit, latest: latest.version },
    });
  }
  return { kind: 'new', version: explicit, parentVersion: latest.version, reason };
}
