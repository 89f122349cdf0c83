import * as ort from 'onnxruntime-node';
import { Datatype, Tensor } from '../runtime.types';
import { narrowToBf16, widenBf16 } from './bf16-boundary';
import type { OnnxWorkerData } from './onnx.task';

const TO_ORT: Partial<Record<Datatype, ort.Tensor.Type>> = {
  BOOL: 'bool', UINT8: 'uint8', UINT16: 'uint16', UINT32: 'uint32', UINT64: 'uint64', INT8: 'int8', INT16: 'int16',
  INT32: 'int32', INT64: 'int64', FP16: 'float16', FP32: 'float32', FP64: 'float64', BYTES: 'string',
};
const FROM_ORT = Object.fromEntries(Object.entries(TO_ORT).map(([k, v]) => [v, k])) as Record<string, Datatype>;

export interface OnnxSession {
  /** Settles once the session is open; rejects when the model cannot be loaded. */
  ready: Promise<unknown>;
  /** Runs one batch; every output owns its buffer (so a worker can transfer it). */
  infer(inputs: Tensor[]): Promise<Tensor[]>;
  close(): Promise<void>;
}

/**
 * One InferenceSession (intra-op threads 1, so N sessions use N cores, not N²) and the tensor conversions
 * around it: BF16 widened to the graph's float32 and narrowed back, float16 as its raw bits. Opened in a
 * worker thread (onnx.worker.ts) or, for `execution: "event-loop"` models, on the main thread.
 */
export function openOnnxSession({ modelPath, executionProviders, outputNames, bf16 }: OnnxWorkerData): OnnxSession {
  const bf16Inputs = new Set(bf16.inputs);
  const bf16Outputs = new Set(bf16.outputs);
  const session = ort.InferenceSession.create(modelPath, {
    executionProviders,
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  return {
    ready: session,
    close: async () => (await session).release(),
    async infer(inputs) {
      const feeds: Record<string, ort.Tensor> = {};
      for (const given of inputs) {
        const input = bf16Inputs.has(given.name) ? widenBf16(given) : given;
        const type = TO_ORT[input.datatype];
        if (!type) throw new Error(`datatype ${input.datatype} is not supported by ONNX Runtime`);
        feeds[input.name] = new ort.Tensor(type, input.data as ort.Tensor.DataType, input.shape);
      }
      const results = await (await session).run(feeds, outputNames);
      return outputNames.map((name) => {
        const t = results[name];
        // A copy we own outright (float16 arrives as its raw bits: workers hide Float16Array, event-loop models have no FP16).
        const data: Tensor['data'] = Array.isArray(t.data) ? [...(t.data as string[])] : (t.data as Float32Array).slice();
        t.dispose();
        const output: Tensor = { name, datatype: FROM_ORT[t.type] ?? 'FP32', shape: [...t.dims], data };
        return bf16Outputs.has(name) ? narrowToBf16(output) : output;
      });
    },
  };
}
