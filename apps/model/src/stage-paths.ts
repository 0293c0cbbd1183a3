import { join } from 'node:path';

/** Where each stage writes, relative to the workspace root; the Nx outputs say the same. */
export function stageDirs(out = 'out/model') {
  return {
    train: join(out, 'train'),
    convert: join(out, 'convert'),
    verify: join(out, 'verify'),
  };
}
