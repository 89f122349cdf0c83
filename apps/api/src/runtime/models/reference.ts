/**
 * The generated models' networks in plain TypeScript: the single definition both the ONNX
 * generator (generate.ts) and the tests read, so ONNX Runtime's outputs can be checked
 * against an independent forward pass.
 */

/** A dense layer: y = x·W + b, W stored row-major as [inFeatures][outFeatures]. */
export interface DenseLayer {
  inFeatures: number;
  outFeatures: number;
  weights: Float32Array;
  bias: Float32Array;
  relu: boolean;
}

export interface MlpDefinition {
  name: string;
  /** Feature sizes: input, hidden..., output. */
  sizes: number[];
  seed: number;
  maxBatchSize: number;
  instances: number;
  /** config.json's execution; omitted = worker threads. */
  execution?: 'event-loop';
  /** Readiness waits for required models. */
  required: boolean;
  /** config.json's dynamic_batching (Triton's); omitted = the service defaults. */
  dynamicBatching?: { preferred_batch_size: number[]; max_queue_delay_microseconds: number };
}

export const MLP_MODELS: readonly MlpDefinition[] = [
  // A run costs microseconds, less than the hop to a worker thread and back: it runs on the event loop
  // (bench:runtime measured 10-25% more throughput than on a worker).
  { name: 'tiny-mlp', sizes: [4, 16, 3], seed: 0x5eed_0001, maxBatchSize: 64, instances: 1, execution: 'event-loop', required: true },
  // Heavy enough per row that batching pays: prefer full-ish batches and wait up to 200 µs for them
  // (tuned with bench/runtime/sweep.ts; see the README's batching section).
  {
    name: 'wide-mlp',
    sizes: [256, 1024, 1024, 16],
    seed: 0x5eed_0002,
    maxBatchSize: 64,
    instances: 2,
    required: true,
    dynamicBatching: { preferred_batch_size: [16, 32, 64], max_queue_delay_microseconds: 200 },
  },
];

/**
 * tiny-mlp's network (same weights) behind 16-bit float inputs and outputs, for the binary tensor
 * extension's round trips. FP16: the graph itself takes and gives float16 (Cast to and from float32
 * around the float32 layers). BF16: onnxruntime-node's JavaScript API has no bfloat16 tensors, so the
 * graph is tiny-mlp's float32 one and the ONNX adapter converts at the boundary (onnx/bf16-boundary.ts).
 */
export const HALF_MLP_MODELS: readonly { name: string; base: string; datatype: 'FP16' | 'BF16' }[] = [
  { name: 'tiny-mlp-fp16', base: 'tiny-mlp', datatype: 'FP16' },
  { name: 'tiny-mlp-bf16', base: 'tiny-mlp', datatype: 'BF16' },
];

/** mulberry32: a small, well-known seeded PRNG; values in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic weights: uniform in ±1/sqrt(fanIn) (keeps activations near 1), bias ±0.1. */
export function mlpLayers(definition: Pick<MlpDefinition, 'sizes' | 'seed'>): DenseLayer[] {
  const random = mulberry32(definition.seed);
  const layers: DenseLayer[] = [];
  for (let i = 0; i + 1 < definition.sizes.length; i++) {
    const inFeatures = definition.sizes[i];
    const outFeatures = definition.sizes[i + 1];
    const scale = 1 / Math.sqrt(inFeatures);
    const weights = new Float32Array(inFeatures * outFeatures);
    for (let j = 0; j < weights.length; j++) weights[j] = (random() * 2 - 1) * scale;
    const bias = new Float32Array(outFeatures);
    for (let j = 0; j < bias.length; j++) bias[j] = (random() * 2 - 1) * 0.1;
    layers.push({ inFeatures, outFeatures, weights, bias, relu: i + 2 < definition.sizes.length });
  }
  return layers;
}

/** Forward pass for a batch laid out row-major [batch][inFeatures]; accumulates in float64. */
export function forward(layers: DenseLayer[], input: ArrayLike<number>, batch: number): Float32Array {
  let x: ArrayLike<number> = input;
  for (const layer of layers) {
    if (x.length !== batch * layer.inFeatures) {
      throw new Error(`expected ${batch}x${layer.inFeatures} values, got ${x.length}`);
    }
    const y = new Float64Array(batch * layer.outFeatures);
    for (let b = 0; b < batch; b++) {
      for (let o = 0; o < layer.outFeatures; o++) {
        let sum = layer.bias[o];
        for (let i = 0; i < layer.inFeatures; i++) sum += x[b * layer.inFeatures + i] * layer.weights[i * layer.outFeatures + o];
        y[b * layer.outFeatures + o] = layer.relu && sum < 0 ? 0 : sum;
      }
    }
    x = y;
  }
  return Float32Array.from(x);
}

/** Deterministic sample inputs for tests and warmup: values in [-1, 1). */
export function sampleInput(features: number, batch: number, seed = 42): Float32Array {
  const random = mulberry32(seed);
  const data = new Float32Array(features * batch);
  for (let i = 0; i < data.length; i++) data[i] = random() * 2 - 1;
  return data;
}
