/**
 * Size limits enforced before any upload.
 * - Firebase ML: 40 MiB. The v1beta2 API reference states no number; 40 MB is the custom-model
 *   limit the Firebase console has applied to uploads, and a model the downloader fetches on a
 *   phone should stay far below it anyway. Override with `maxModelBytes` if Google's docs for your
 *   project say otherwise.
 * - Cloud Storage: objects may be up to 5 TiB; we cap at 512 MiB because an on-device model
 *   larger than that is a pipeline mistake, not a publish.
 */
export const FIREBASE_ML_MAX_MODEL_BYTES = 40 * 1024 * 1024;
export const STORAGE_MAX_OBJECT_BYTES = 512 * 1024 * 1024;
/** Files above this use a resumable upload (the Storage client's own advice is ~5-10 MiB). */
export const RESUMABLE_THRESHOLD_BYTES = 8 * 1024 * 1024;
