import { OdtError } from '@odt/cli-kit';

/**
 * Ops a pretrained tfjs graph model may use: exactly the Python bridge's SUPPORTED_OPS
 * (python-bridge/odt_bridge/graph_ops.py, each rebuilt with TFLite builtins; fused tfjs ops are
 * un-fused), all of which tfjs-node runs. Checked before any work, so an op that would fail in
 * conversion later is named now; graph-ops.test.ts fails when the two lists drift.
 */
export const GRAPH_OP_ALLOWLIST: readonly string[] = [
  'Abs', 'Add', 'AddN', 'AddV2', 'AvgPool', 'BiasAdd', 'ConcatV2', 'Const', 'Conv2D', 'DepthwiseConv2dNative', 'Elu', 'ExpandDims',
  'FusedBatchNorm', 'FusedBatchNormV2', 'FusedBatchNormV3', 'FusedDepthwiseConv2dNative', 'Identity', 'LeakyRelu', 'MatMul',
  'Max', 'MaxPool', 'Maximum', 'Mean', 'Minimum', 'Mul', 'Neg', 'Pack', 'Pad', 'PadV2', 'Placeholder', 'Prelu', 'RealDiv',
  'Relu', 'Relu6', 'Reshape', 'Rsqrt', 'Sigmoid', 'Softmax', 'Sqrt', 'Square', 'Squeeze', 'StridedSlice', 'Sub', 'Sum',
  'Tanh', 'Transpose', '_FusedConv2D', '_FusedMatMul',
];

/**
 * What the fused ops may fuse (attr fused_ops): the bridge's FUSED_OPS minus the two tfjs cannot
 * run fused (FusedBatchNorm: "not supported" in tfjs-converter; Tanh: not a tfjs fused activation).
 */
export const FUSED_OP_ALLOWLIST: readonly string[] = ['BiasAdd', 'Relu', 'Relu6', 'Elu', 'LeakyRelu', 'Sigmoid', 'Prelu'];
export const FUSED_OPS_TFJS_CANNOT_RUN: readonly string[] = ['FusedBatchNorm', 'Tanh'];

/** One node of a graph model's GraphDef as model.json stores it. */
export interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { list?: { s?: string[] } } & Record<string, unknown>>;
}

/** The node a GraphDef input reference names: "^ctrl" and "name:1" both mean node "name"/"ctrl". */
export const inputNodeName = (input: string) => input.replace(/^\^/, '').replace(/:\d+$/, '');

/** Names of the nodes `output` depends on (itself included), walking inputs and control inputs. */
export function ancestors(nodes: ReadonlyMap<string, GraphNode>, output: string): Set<string> {
  const seen = new Set<string>();
  const stack = [output];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const input of nodes.get(name)?.input ?? []) stack.push(inputNodeName(input));
  }
  return seen;
}

/** fused_ops of a fused node, decoded (model.json stores attr strings base64-encoded). */
function fusedOps(node: GraphNode): string[] {
  const encoded = node.attr?.fused_ops?.list?.s ?? [];
  return encoded.map((s) => Buffer.from(s, 'base64').toString('utf8'));
}

/**
 * Refuses a graph whose path to `featureOutput` holds an op (or a fused activation) off the
 * allowlist, naming the op and the node: neither tfjs nor the TFLite builtins may be trusted
 * with it. Nodes that do not feed the feature output (a classifier top) are not checked.
 */
export function requireSupportedOps(nodes: ReadonlyMap<string, GraphNode>, featureOutput: string, modelPath: string): void {
  const problems: string[] = [];
  for (const name of ancestors(nodes, featureOutput)) {
    const node = nodes.get(name);
    if (!node) continue;
    if (!GRAPH_OP_ALLOWLIST.includes(node.op)) problems.push(`op "${node.op}" at node "${node.name}"`);
    for (const fused of fusedOps(node)) {
      if (!FUSED_OP_ALLOWLIST.includes(fused)) problems.push(`fused op "${fused}" in ${node.op} node "${node.name}"`);
    }
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 10).join('; ') + (problems.length > 10 ? `; and ${problems.length - 10} more` : '');
    throw new OdtError('UNSUPPORTED_OP', `${modelPath} uses ${problems.length} op(s) the pipeline cannot run and convert to TFLite builtins: ${shown}`, {
      suggestion: `Supported ops: ${GRAPH_OP_ALLOWLIST.join(', ')} (fused: ${FUSED_OP_ALLOWLIST.join(', ')}); pick a featureOutput before the op, or export the base without it.`,
      context: { problems },
    });
  }
}
