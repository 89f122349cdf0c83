import './hide-float16-array'; // before onnxruntime-node
import { workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { Datatype, Tensor } from '../runtime.types';
import type { OnnxWorkerData } from './onnx.task';
import { serveWorker } from '../../lifecycle/worker-serve';
import { narrowToBf16, widenBf16 } from './bf16-boundary';

const TO_ORT: Partial<Record<Datatype, ort.Tensor.Type>> = {
  BOOL: 'bool', UINT8: 'uint8', UINT16: 'uint16', UINT32: 'uint32', UINT64: 'uint64', INT8: 'int8', INT16: 'int16',
  INT32: 'int32', INT64: 'int64', FP16: 'float16', FP32: 'float32', FP64: 'float64', BYTES: 'string',
};
const FROM_ORT = Object.fromEntries(Object.entries(TO_ORT).map(([k, v]) => [v, k])) as Record<string, Datatype>;

const { modelPath, executionProviders, outputNames, bf16 } = workerData as OnnxWorkerData;
const bf16Inputs = new Set(bf16.inputs);
const bf16Outputs = new Set(bf16.outputs);
// One session for the thread's life; intra-op threads 1 so N workers use N cores, not N².
const session = ort.InferenceSession.create(modelPath, {
  executionProviders,
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});
/** Runs one batch; output buffers are transferred back, not copied. */
async function infer(inputs: Tensor[]): Promise<Tensor[]> {
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
    // A copy we own outright, so its buffer can be transferred to the main thread (float16 as its raw bits).
    let data: Tensor['data'] = Array.isArray(t.data) ? [...(t.data as string[])] : (t.data as Float32Array).slice();
    if (t.type === 'float16') data = new Uint16Array((data as Float32Array).buffer);
    t.dispose();
    const output: Tensor = { name, datatype: FROM_ORT[t.type] ?? 'FP32', shape: [...t.dims], data };
    return bf16Outputs.has(name) ? narrowToBf16(output) : output;
  });
}

serveWorker(session, async (inputs: Tensor[]) => {
  const outputs = await infer(inputs);
  return { result: outputs, transfer: outputs.flatMap((o) => (Array.isArray(o.data) ? [] : [o.data.buffer as ArrayBuffer])) };
});
