import type { VerifiedVersion } from '@odt/registry';

/** The remote targets a registry version can be mirrored to. */
export type TargetName = 'firebase-ml' | 'firebase-storage';

/** One step a publish takes; a dry run prints exactly these, in order. */
export interface PlannedAction {
  kind: 'upload-object' | 'find-or-create-model' | 'wait-for-validation' | 'publish-model' | 'verify-objects' | 'move-channel-pointer';
  target: string;
  detail: string;
}

export interface PublishPlan {
  target: TargetName;
  name: string;
  version: string;
  destination: string;
  actions: PlannedAction[];
}

/** What happened to each planned step; `skipped` means the remote already had it (re-run). */
export interface ActionResult extends PlannedAction {
  status: 'planned' | 'done' | 'skipped';
}

/** The record of one publish, safe to print and store: no credential material in it. */
export interface PublishReport {
  target: TargetName;
  name: string;
  version: string;
  dryRun: boolean;
  destination: string;
  actions: ActionResult[];
  retries: number;
  remote: Record<string, unknown>;
}

/**
 * One remote target. Both take a version the registry reader proved (`fetchVerifiedVersion` from
 * @odt/registry: manifest.sig, every sha256, model.sig); a publisher never reads a registry itself.
 * `plan` is pure (validates, no network); `publish` mirrors the version.
 */
export interface RemotePublisher {
  readonly name: TargetName;
  plan(version: VerifiedVersion): PublishPlan;
  publish(version: VerifiedVersion, options: { dryRun: boolean }): Promise<PublishReport>;
}

/** The report a publish starts from: every planned step still `planned`, nothing remote yet. */
export function plannedReport(plan: PublishPlan, dryRun: boolean): PublishReport {
  return {
    target: plan.target,
    name: plan.name,
    version: plan.version,
    dryRun,
    destination: plan.destination,
    actions: plan.actions.map((a) => ({ ...a, status: 'planned' })),
    retries: 0,
    remote: {},
  };
}

/** Renders a plan as the lines a dry run prints. */
export function formatPlan(plan: PublishPlan): string {
  const lines = [`${plan.target}: would publish ${plan.name}@${plan.version} to ${plan.destination}`];
  plan.actions.forEach((a, i) => lines.push(`  ${i + 1}. ${a.kind} ${a.target} — ${a.detail}`));
  return lines.join('\n');
}
