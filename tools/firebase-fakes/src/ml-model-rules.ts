/**
 * Naming rules the Firebase ML v1beta2 service applies to models. firebase-admin (Node) only
 * checks that a display name is non-empty; the Python Admin SDK mirrors the service's rules:
 * display names and tags match [A-Za-z0-9_-]{1,32}; model ids [A-Za-z0-9_-]{1,60}.
 */
export const DISPLAY_NAME_RULE = /^[A-Za-z0-9_-]{1,32}$/;
export const TAG_RULE = /^[A-Za-z0-9_-]{1,32}$/;

/** Update-mask paths a PATCH may name; anything else is INVALID_ARGUMENT. */
export const UPDATABLE_PATHS = new Set(['displayName', 'tags', 'tfliteModel.gcsTfliteUri', 'state.published']);

/** TFLite flatbuffers carry the file identifier "TFL3" at byte offset 4. */
export function isTfliteFlatbuffer(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && Buffer.from(bytes.subarray(4, 8)).toString('latin1') === 'TFL3';
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
