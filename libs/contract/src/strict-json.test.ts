import { describe, expect, it } from 'vitest';
import { parseStrictJson, StrictJsonError } from './strict-json.ts';

describe('parseStrictJson', () => {
  it('parses plain JSON like JSON.parse', () => {
    const text = '{"a":1,"b":{"c":[1,{"d":null}]},"e":"x"}';
    expect(parseStrictJson(text)).toEqual(JSON.parse(text));
  });

  it('allows the same key in sibling objects', () => {
    expect(parseStrictJson('[{"a":1},{"a":2}]')).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it.each([
    ['{"version":"1.0.0","version":"9.0.0"}', 'duplicate key "version" at $'],
    ['{"a":{"sha256":"x","sha256":"y"}}', 'duplicate key "sha256" at $.a'],
    ['{"files":[{"p":1,"p":2}]}', 'duplicate key "p" at $.files.0'],
    ['{"a":1,}', 'offset'],
    ['{"a":1} // note', 'offset'],
    ['', 'offset'],
    ['{"a":1}{"b":2}', 'offset'],
  ])('refuses %j', (text, why) => {
    expect(() => parseStrictJson(text)).toThrow(StrictJsonError);
    expect(() => parseStrictJson(text)).toThrow(why);
  });
});
