/**
 * Naming rules the Firebase ML v1beta2 service applies to models.
 * - Display name. Source: the API description (googleapis/google-api-go-client
 *   firebaseml/v1beta2/firebaseml-api.json, Model.displayName): "up to 32 characters long and can
 *   consist only of ASCII Latin letters A-Z and a-z, underscores(_) and ASCII digits 0-9. It must
 *   start with a letter." Hyphens are accepted by the service in practice (the Python Admin SDK's
 *   own check allows them), so the fake accepts them too.
 * - Tags: the Python Admin SDK (firebase_admin/ml.py) checks [A-Za-z0-9_-]{1,32}; firebase-admin
 *   for Node checks nothing.
 */
export const DISPLAY_NAME_RULE = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;
export const TAG_RULE = /^[A-Za-z0-9_-]{1,32}$/;

/** Update-mask paths a PATCH may name; anything else is INVALID_ARGUMENT. */
export const UPDATABLE_PATHS = new Set(['displayName', 'tags', 'tfliteModel.gcsTfliteUri', 'state.published']);

/**
 * The message the service records as `state.validationError` for a file it cannot parse.
 * Source: firebase-admin-python integration/test_ml.py, test_create_invalid_model
 * (`check_model_format(..., 'Invalid flatbuffer format')`).
 */
export const INVALID_FLATBUFFER = 'Invalid flatbuffer format';

/**
 * A minimal structural parse of a TFLite flatbuffer, as the service parses the file (it does
 * not stop at the identifier): uint32 root-table offset at byte 0, file identifier "TFL3" at
 * byte 4 (tensorflow/lite/schema/schema.fbs: `file_identifier "TFL3"`), then the root table's
 * int32 vtable offset must land on a vtable inside the buffer whose uint16 sizes are sane.
 * Returns undefined when plausible, else the reason.
 */
export function flatbufferProblem(bytes: Uint8Array): string | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12) return 'shorter than a flatbuffer header';
  if (buf.toString('latin1', 4, 8) !== 'TFL3') return 'no TFL3 file identifier at byte 4';
  const root = buf.readUInt32LE(0);
  if (root < 8 || root % 4 !== 0 || root + 4 > buf.length) return `root table offset ${root} is outside the buffer`;
  const vtable = root - buf.readInt32LE(root);
  if (vtable < 8 || vtable % 2 !== 0 || vtable + 4 > buf.length) return `vtable at ${vtable} is outside the buffer`;
  const vtableSize = buf.readUInt16LE(vtable);
  const tableSize = buf.readUInt16LE(vtable + 2);
  if (vtableSize < 4 || vtableSize % 2 !== 0 || vtable + vtableSize > buf.length) return `vtable size ${vtableSize} is implausible`;
  if (tableSize < 4 || root + tableSize > buf.length) return `root table size ${tableSize} is implausible`;
  return undefined;
}

/** True when the bytes parse as a (minimally) well-formed TFLite flatbuffer. */
export function isTfliteFlatbuffer(bytes: Uint8Array): boolean {
  return flatbufferProblem(bytes) === undefined;
}

/** Parses the list filter subset the Admin SDKs document: `display_name = x`, `display_name : x*`, `tags: x`, joined by AND. */
export function parseModelFilter(filter: string): Array<(m: { displayName: string; tags: string[] }) => boolean> {
  return filter.split(/\s+AND\s+/).map((term) => {
    let m: RegExpExecArray | null;
    if ((m = /^display_name\s*=\s*"?([^"]+?)"?$/.exec(term.trim()))) {
      const name = m[1]!;
      return (model) => model.displayName === name;
    }
    if ((m = /^display_name\s*:\s*"?([^"*]+)\*?"?$/.exec(term.trim()))) {
      const prefix = m[1]!;
      return (model) => model.displayName.startsWith(prefix);
    }
    if ((m = /^tags\s*:\s*"?([^"]+?)"?$/.exec(term.trim()))) {
      const tag = m[1]!;
      return (model) => model.tags.includes(tag);
    }
    throw new Error(`Unsupported filter term: ${term}`);
  });
}
