import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Test-only: writes a tiny but real tfjs graph model (model.json + one shard) by hand:
 * x [-1, side, side, 3] -> Conv2D 3x3 (4 filters, SAME) -> BiasAdd -> Relu -> Mean over H, W
 * -> "Identity" [n, 4]; plus a second output "Identity_1" = the Relu map [n, side, side, 4].
 * Small enough to run in milliseconds, shaped like what tensorflowjs_converter writes.
 */
export async function writeTinyGraphModel(dir: string, options: { side?: number; filters?: number; seed?: number } = {}): Promise<string> {
  const side = options.side ?? 8;
  const filters = options.filters ?? 4;
  let state = options.seed ?? 1;
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const kernel = Float32Array.from({ length: 3 * 3 * 3 * filters }, random);
  const bias = Float32Array.from({ length: filters }, () => random() * 0.1);
  const axes = Int32Array.from([1, 2]);
  const s = (text: string) => Buffer.from(text).toString('base64');
  const dims = (shape: number[]) => ({ dim: shape.map((size) => ({ size: String(size) })) });
  const T = { type: 'DT_FLOAT' };
  const constant = (name: string, shape: number[], dtype = 'DT_FLOAT') => ({ name, op: 'Const', attr: { value: { tensor: { dtype, tensorShape: dims(shape) } }, dtype: { type: dtype } } });
  const nodes = [
    { name: 'x', op: 'Placeholder', attr: { dtype: T, shape: { shape: dims([-1, side, side, 3]) } } },
    constant('conv/kernel', [3, 3, 3, filters]),
    constant('conv/bias', [filters]),
    constant('pool/axes', [2], 'DT_INT32'),
    {
      name: 'conv/Conv2D', op: 'Conv2D', input: ['x', 'conv/kernel'],
      attr: { T, strides: { list: { i: ['1', '1', '1', '1'] } }, padding: { s: s('SAME') }, data_format: { s: s('NHWC') }, dilations: { list: { i: ['1', '1', '1', '1'] } }, use_cudnn_on_gpu: { b: true }, explicit_paddings: { list: {} } },
    },
    { name: 'conv/BiasAdd', op: 'BiasAdd', input: ['conv/Conv2D', 'conv/bias'], attr: { T, data_format: { s: s('NHWC') } } },
    { name: 'conv/Relu', op: 'Relu', input: ['conv/BiasAdd'], attr: { T } },
    { name: 'pool/Mean', op: 'Mean', input: ['conv/Relu', 'pool/axes'], attr: { T, Tidx: { type: 'DT_INT32' }, keep_dims: { b: false } } },
    { name: 'Identity', op: 'Identity', input: ['pool/Mean'], attr: { T } },
    { name: 'Identity_1', op: 'Identity', input: ['conv/Relu'], attr: { T } },
  ];
  const tensorInfo = (name: string, shape: number[]) => ({ name, dtype: 'DT_FLOAT', tensorShape: dims(shape) });
  const json = {
    format: 'graph-model',
    generatedBy: 'test-graph-model.ts',
    convertedBy: 'hand-written test fixture',
    signature: {
      inputs: { 'x:0': tensorInfo('x:0', [-1, side, side, 3]) },
      outputs: { 'Identity:0': tensorInfo('Identity:0', [-1, filters]), 'Identity_1:0': tensorInfo('Identity_1:0', [-1, side, side, filters]) },
    },
    modelTopology: { node: nodes, library: {}, versions: { producer: 1286 } },
    weightsManifest: [
      {
        paths: ['group1-shard1of1.bin'],
        weights: [
          { name: 'conv/kernel', shape: [3, 3, 3, filters], dtype: 'float32' },
          { name: 'conv/bias', shape: [filters], dtype: 'float32' },
          { name: 'pool/axes', shape: [2], dtype: 'int32' },
        ],
      },
    ],
  };
  await mkdir(dir, { recursive: true });
  const bytes = Buffer.concat([kernel, bias, axes].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
  await writeFile(join(dir, 'group1-shard1of1.bin'), bytes);
  await writeFile(join(dir, 'model.json'), JSON.stringify(json));
  return join(dir, 'model.json');
}
