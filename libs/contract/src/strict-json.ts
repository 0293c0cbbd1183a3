import { visit, printParseErrorCode, type ParseErrorCode } from 'jsonc-parser';

/** Why a document was refused: a syntax error or a key given twice, with its JSON path. */
export class StrictJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StrictJsonError';
  }
}

/**
 * JSON.parse for documents that are signed or trusted: plain JSON (no comments, no trailing
 * commas) and no key twice in one object. With duplicates, JSON.parse keeps the last value while
 * a verifier in another language may keep the first, so the same signed bytes could mean two
 * things; refusing them keeps every language reading one meaning.
 */
export function parseStrictJson(text: string): unknown {
  const seen: Array<Set<string>> = [];
  let problem: string | null = null;
  visit(
    text,
    {
      onObjectBegin: () => void seen.push(new Set()),
      onObjectEnd: () => void seen.pop(),
      onObjectProperty: (property, _offset, _length, _line, _column, pathSupplier) => {
        const keys = seen[seen.length - 1]!;
        if (keys.has(property) && problem === null) {
          problem = `duplicate key "${property}" at ${['$', ...pathSupplier()].join('.')}`;
        }
        keys.add(property);
      },
      onError: (error: ParseErrorCode, offset) => {
        if (problem === null) problem = `${printParseErrorCode(error)} at offset ${offset}`;
      },
    },
    { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
  );
  if (problem !== null) throw new StrictJsonError(problem);
  return JSON.parse(text);
}
