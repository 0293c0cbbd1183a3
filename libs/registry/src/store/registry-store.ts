import type { RegistryIndex } from '@odt/contract';
import type { RegistrySource } from '../registry-source.ts';

/** A held writer lock of a store; a writer checks it right before each commit step. */
export interface StoreLock {
  /** Fails with REGISTRY_LOCKED when another writer may have taken over; call before committing. */
  assertHeld(): Promise<void>;
  /** Gives the lock up; never removes another writer's lock. */
  release(): Promise<void>;
}

/** The index as read, with the token a compare-and-swap commit must still find (a generation). */
export interface IndexSnapshot {
  index: RegistryIndex;
  /** Folder: null (the lock alone serialises writers). Bucket: the object generation, '0' when absent. */
  token: string | null;
}

/**
 * Where a registry lives: a folder (the embedded default) or a Cloud Storage bucket. Publish,
 * promote, rollback, validate and pull speak only this interface, so the version rule, signing
 * and every integrity check are the same whichever backend holds the bytes. The index is the
 * commit point: a version the index does not list was never published, and channel documents
 * are derived from the index after each commit (and repaired by the next writer if a writer died
 * in between).
 */
export interface RegistryStore {
  readonly kind: 'folder' | 'bucket';
  /** A path or gs://bucket/prefix, for messages. */
  readonly location: string;
  /** Bounded reads of any registry file, the same interface pull uses. */
  readonly source: RegistrySource;
  /** True when something was ever written there (a folder that exists, a bucket with an index). */
  exists(): Promise<boolean>;
  acquireLock(options?: { timeoutMs?: number }): Promise<StoreLock>;
  readIndex(): Promise<IndexSnapshot>;
  /** Commits the index; a bucket refuses when the index moved since `token` (VERSION_CONFLICT). */
  commitIndex(index: RegistryIndex, token: string | null, lock: StoreLock): Promise<void>;
  /** Writes a version's files create-only; readers ignore them until the index lists the version. */
  writeVersion(name: string, version: string, files: ReadonlyMap<string, Buffer>, lock: StoreLock): Promise<void>;
  /** Removes a version the index does not list (a failed commit), while holding the lock. */
  removeVersion(name: string, version: string): Promise<void>;
  /** Replaces one channel document (`<name>/channels/<channel>.json`). */
  writeChannelDocument(name: string, channel: string, bytes: Buffer, lock: StoreLock): Promise<void>;
  /** Removes what killed writers left (staging, uncommitted versions); only under the lock. */
  cleanLeftovers(index: RegistryIndex): Promise<string[]>;
  /** The file names stored for one version (validate reports unexpected ones). */
  listVersionFiles(name: string, version: string): Promise<string[]>;
  /** Leftovers a reader can ignore but validate reports as warnings. */
  listLeftovers(index: RegistryIndex): Promise<string[]>;
  /** Turns a failed write into the user error it is (full disk, permission, conflict). */
  describeFailure(error: unknown, bytesWritten: readonly number[]): Promise<unknown>;
}

/** Where channel documents live, relative to the registry root. */
export function channelDocumentPath(name: string, channel: string): string {
  return `${name}/channels/${channel}.json`;
}
