import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-node';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { OdtError } from '@odt/cli-kit';
import { ancestors, type GraphNode, requireSupportedOps } from './graph-ops.ts';

/** A tfjs graph model read for feature extraction: its graph, the chosen output, its input. */
export interface GraphBase {
  model: tf.InferenceModel & { execute(inputs: tf.Tensor, outputs: string): tf.Tensor | tf.Tensor[]; dispose(): void };
  featureOutput: string;
  /** The input node's shape with the batch axis, -1 where dynamic. */
  inputShape: number[];
  inputName: string;
}

interface ModelJson {
  format?: string;
  modelTopology?: { node?: GraphNode[] };
  signature?: { outputs?: Record<string, { name?: string }> };
}

const stripIndex = (name: string) => name.replace(/:\d+$/, '');

/** The model's declared outputs: the signature's, else the graph's sinks (nodes nothing reads). */
function declaredOutputs(json: ModelJson, nodes: Map<string, GraphNode>): string[] {
  const signature = Object.entries(json.signature?.outputs ?? {}).map(([key, info]) => stripIndex(info.name ?? key));
  if (signature.length > 0) return signature;
  const read = new Set([...nodes.values()].flatMap((n) => (n.input ?? []).map((i) => i.replace(/^\^/, '').replace(/:\d+$/, ''))));
  return [...nodes.values()].filter((n) => !read.has(n.name) && n.op !== 'Const' && n.op !== 'NoOp').map((n) => n.name);
}

/** featureOutput as configured (it must be a node of the graph) or the one declared output. */
function chooseOutput(configured: string | undefined, outputs: string[], nodes: Map<string, GraphNode>, path: string): string {
  const listed = outputs.map((o) => `"${o}"`).join(', ');
  if (configured === undefined) {
    if (outputs.length === 1) return outputs[0]!;
    throw new OdtError('BASE_INVALID', `architecture.base.featureOutput is missing and ${path} has ${outputs.length} outputs: ${listed}`, {
      suggestion: 'Set architecture.base.featureOutput to the output (node name, no ":0") whose values the head should read.',
    });
  }
  if (nodes.has(configured)) return configured;
  throw new OdtError('BASE_INVALID', `architecture.base.featureOutput "${configured}" is not a node of ${path}; its outputs are ${listed}`, {
    suggestion: 'Use one of the listed outputs (or another node name of the graph, without ":0").',
  });
}

function placeholderShape(node: GraphNode): number[] {
  const dims = (node.attr?.shape as { shape?: { dim?: Array<{ size?: string }> } } | undefined)?.shape?.dim ?? [];
  return dims.map((d) => Number(d.size ?? -1));
}

/**
 * Reads model.json, resolves featureOutput and checks every op feeding it against the allowlist
 * before the weights are loaded; then loads the model with tfjs-converter from the file system.
 */
export async function loadGraphBase(entry: string, configured: string | undefined): Promise<GraphBase> {
  let json: ModelJson;
  try {
    json = JSON.parse(await readFile(entry, 'utf8')) as ModelJson;
  } catch (cause) {
    throw new OdtError('BASE_INVALID', `${entry} is not a tfjs graph model.json: ${(cause as Error).message}`, { cause });
  }
  const list = json.modelTopology?.node;
  if (json.format !== 'graph-model' || !Array.isArray(list)) {
    throw new OdtError('BASE_INVALID', `${entry} is not a tfjs graph model (format "${json.format ?? 'missing'}")`, {
      suggestion: 'A tfjs layers model is not a pretrained graph base: convert the model with tensorflowjs_converter --output_format=tfjs_graph_model, or export a SavedModel and use "pretrained": "saved-model".',
    });
  }
  const nodes = new Map(list.map((n) => [n.name, n]));
  const featureOutput = chooseOutput(configured, declaredOutputs(json, nodes), nodes, entry);
  requireSupportedOps(nodes, featureOutput, entry);
  const inputs = [...ancestors(nodes, featureOutput)].map((name) => nodes.get(name)).filter((n): n is GraphNode => n?.op === 'Placeholder');
  if (inputs.length !== 1) {
    throw new OdtError('BASE_INVALID', `${entry}: featureOutput "${featureOutput}" depends on ${inputs.length} inputs (${inputs.map((n) => n.name).join(', ') || 'none'}); a base takes exactly one image input`, {
      suggestion: 'Pick a featureOutput computed from the image input alone.',
    });
  }
  let model: GraphBase['model'];
  try {
    model = (await loadGraphModel(tf.io.fileSystem(entry))) as unknown as GraphBase['model'];
  } catch (cause) {
    throw new OdtError('BASE_INVALID', `${entry} could not be loaded as a tfjs graph model: ${(cause as Error).message}`, { cause, suggestion: 'Check the weight shards next to model.json are complete.' });
  }
  return { model, featureOutput, inputShape: placeholderShape(inputs[0]!), inputName: inputs[0]!.name };
}
