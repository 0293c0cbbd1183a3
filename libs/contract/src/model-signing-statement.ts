import { createHash } from 'node:crypto';
import {
  compareModelPaths,
  IN_TOTO_STATEMENT_TYPE,
  MODEL_SIGNING_IGNORE_PATHS,
  MODEL_SIGNING_PREDICATE_TYPE,
} from './model-signing-format.ts';

/** One file of a model folder: its '/'-separated path relative to the folder and its sha256 hex. */
export interface ModelFileDigest {
  path: string;
  sha256: string;
}

export interface ModelSigningStatementOptions {
  /** The subject name; model_signing uses the folder name. Informative only, never compared. */
  modelName: string;
  /** Root-relative paths the signature does not cover; must include MODEL_SIGNING_IGNORE_PATHS. */
  ignorePaths?: readonly string[];
}

/** The in-toto Statement v1 model_signing signs, with its fields in the reference's print order. */
export interface ModelSigningStatement {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: [{ name: string; digest: { sha256: string } }];
  predicateType: typeof MODEL_SIGNING_PREDICATE_TYPE;
  predicate: {
    resources: Array<{ name: string; algorithm: 'sha256'; digest: string }>;
    serialization: { hash_type: 'sha256'; allow_symlinks: false; ignore_paths: string[]; method: 'files' };
  };
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Why a path cannot name a file in a signed folder, or null: model_signing stores PurePosixPath
 * text, which would silently normalise '', '.', '..', '//' and a leading '/' into another name.
 */
export function modelPathProblem(path: string): string | null {
  if (path === '' || path.startsWith('/')) return 'must be a relative path';
  if (path.includes('\\')) return "must use '/' as the separator";
  if (path.includes('\0')) return 'must not contain NUL';
  if (path.split('/').some((part) => part === '' || part === '.' || part === '..')) return "must not contain empty, '.' or '..' parts";
  return null;
}

/** True when `path` is an ignore path or lies below one, as Python's Path.is_relative_to decides. */
export function isUnderIgnorePath(path: string, ignorePaths: readonly string[]): boolean {
  return ignorePaths.some((ignored) => {
    const root = ignored.replace(/\/+$/, '');
    return path === root || path.startsWith(`${root}/`);
  });
}

/** The subject digest: sha256 over the raw 32-byte file digests, in resource order. */
export function modelSubjectDigest(digestsInOrder: readonly string[]): string {
  const hash = createHash('sha256');
  for (const digest of digestsInOrder) hash.update(Buffer.from(digest, 'hex'));
  return hash.digest('hex');
}

function checkedIgnorePaths(ignorePaths: readonly string[]): string[] {
  const missing = MODEL_SIGNING_IGNORE_PATHS.filter((required) => !ignorePaths.includes(required));
  if (missing.length > 0) throw new Error(`ignorePaths must include ${missing.join(', ')} (model_signing never signs them)`);
  for (const path of ignorePaths) {
    const problem = modelPathProblem(path);
    if (problem) throw new Error(`ignore path "${path}" ${problem}`);
  }
  return [...new Set(ignorePaths)];
}

/**
 * The statement model_signing 1.1.1 would sign for these files: resources sorted like Python
 * PurePosixPath, subject digest over them, serialization "files"/sha256 without symlinks.
 * Throws on a bad or repeated path, a bad digest, or a file lying under an ignore path (the
 * reference verifier would skip it and then report it missing).
 */
export function buildModelSigningStatement(files: readonly ModelFileDigest[], options: ModelSigningStatementOptions): ModelSigningStatement {
  const ignorePaths = checkedIgnorePaths(options.ignorePaths ?? MODEL_SIGNING_IGNORE_PATHS);
  const seen = new Set<string>();
  for (const file of files) {
    const problem = modelPathProblem(file.path);
    if (problem) throw new Error(`file path "${file.path}" ${problem}`);
    if (!SHA256_HEX.test(file.sha256)) throw new Error(`file "${file.path}" has no lowercase sha256 hex digest`);
    if (seen.has(file.path)) throw new Error(`file "${file.path}" is listed twice`);
    if (isUnderIgnorePath(file.path, ignorePaths)) throw new Error(`file "${file.path}" lies under an ignore path and cannot be signed`);
    seen.add(file.path);
  }
  const sorted = [...files].sort((a, b) => compareModelPaths(a.path, b.path));
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: options.modelName, digest: { sha256: modelSubjectDigest(sorted.map((file) => file.sha256)) } }],
    predicateType: MODEL_SIGNING_PREDICATE_TYPE,
    predicate: {
      resources: sorted.map((file) => ({ name: file.path, algorithm: 'sha256', digest: file.sha256 })),
      serialization: { hash_type: 'sha256', allow_symlinks: false, ignore_paths: ignorePaths, method: 'files' },
    },
  };
}
