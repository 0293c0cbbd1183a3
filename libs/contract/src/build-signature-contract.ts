import {
  type ContractBase,
  type DeviceOptimizer,
  type HeadLayer,
  type SignatureContract,
  type StateSegment,
  SignatureContractSchema,
} from './signature-contract.ts';

export interface SignatureContractInput {
  modelName: string;
  inputShape: number[];
  labels: string[];
  trainBatchSize: number;
  baseOutputLayer: string;
  head: HeadLayer[];
  optimizer: DeviceOptimizer;
  /**
   * A pretrained base: `train` takes embeddings of this size, `features` is added, and the base is
   * described (baseOutputLayer must equal base.featureOutput). Absent: the contract is exactly as before.
   */
  pretrained?: { embeddingSize: number; base: ContractBase };
}

/** Optimizer slots per trainable variable, in the order they sit in the state vector. */
function slotNames(optimizer: DeviceOptimizer): string[] {
  return optimizer.type === 'adam' ? ['m', 'v'] : [];
}

/**
 * Lays out the flat state vector: every head weight (kernel, bias per layer), then each
 * optimizer slot of each weight, then the optimizer step. The order is part of the contract;
 * the Python bridge and the Kotlin core both follow it.
 */
export function stateLayout(head: HeadLayer[], optimizer: DeviceOptimizer): StateSegment[] {
  const weights = head.flatMap((layer) => [
    { name: `${layer.name}/kernel`, shape: [layer.inputUnits, layer.units] },
    { name: `${layer.name}/bias`, shape: [layer.units] },
  ]);
  const entries: Array<Omit<StateSegment, 'offset' | 'size'>> = [
    ...weights.map((w) => ({ ...w, kind: 'weight' as const })),
    ...slotNames(optimizer).flatMap((slot) =>
      weights.map((w) => ({ name: `${w.name}/${slot}`, shape: w.shape, kind: 'optimizer_slot' as const })),
    ),
    { name: 'optimizer/step', shape: [1], kind: 'optimizer_step' as const },
  ];
  let offset = 0;
  return entries.map((entry) => {
    const size = entry.shape.reduce((a, b) => a * b, 1);
    const segment = { ...entry, offset, size };
    offset += size;
    return segment;
  });
}

/** Derives the full contract (signatures and state layout) from the trained topology. */
export function buildSignatureContract(input: SignatureContractInput): SignatureContract {
  const segments = stateLayout(input.head, input.optimizer);
  const last = segments[segments.length - 1]!;
  const stateSize = last.offset + last.size;
  const classes = input.labels.length;
  const f32 = (name: string, shape: number[]) => ({ name, shape, dtype: 'float32' as const });
  const pretrained = input.pretrained;
  if (pretrained && (input.baseOutputLayer !== pretrained.base.featureOutput || input.head[0]?.inputUnits !== pretrained.embeddingSize)) {
    throw new Error(`pretrained contract: baseOutputLayer must be base.featureOutput and head[0].inputUnits must be embeddingSize ${pretrained.embeddingSize}`);
  }
  const trainX = pretrained ? [pretrained.embeddingSize] : input.inputShape;
  const extra = pretrained
    ? { trainInput: 'embedding' as const, embeddingSize: pretrained.embeddingSize, base: pretrained.base }
    : {};
  return SignatureContractSchema.parse({
    schemaVersion: 1,
    modelName: input.modelName,
    inputShape: input.inputShape,
    labels: input.labels,
    trainBatchSize: input.trainBatchSize,
    baseOutputLayer: input.baseOutputLayer,
    head: input.head,
    optimizer: input.optimizer,
    loss: 'categorical_crossentropy',
    state: { size: stateSize, segments },
    signatures: {
      train: {
        inputs: [f32('x', [input.trainBatchSize, ...trainX]), f32('y', [input.trainBatchSize, classes])],
        outputs: [f32('loss', [])],
      },
      infer: {
        inputs: [f32('x', [-1, ...input.inputShape])],
        outputs: [f32('logits', [-1, classes]), f32('probabilities', [-1, classes])],
      },
      // `request` carries no data: LiteRT's runSignature rejects a signature without inputs.
      save: { inputs: [f32('request', [1])], outputs: [f32('state', [stateSize])] },
      restore: { inputs: [f32('state', [stateSize])], outputs: [f32('step', [1])] },
      ...(pretrained ? { features: { inputs: [f32('x', [-1, ...input.inputShape])], outputs: [f32('embedding', [-1, pretrained.embeddingSize])] } } : {}),
    },
    ...extra,
  });
}
