import * as ort from 'onnxruntime-node';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { Datatype, Tensor } from '../runtime.types';
import { OnnxResult, OnnxTask } from './onnx.task';

const TO_ORT: Partial<Record<Datatype, ort.Tensor.Type>> = {
  BOOL: 'bool', UINT8: 'uint8', UINT16: 'uint16', UINT32: 'uint32', UINT64: 'uint64', INT8: 'int8', INT16: 'int16',
  INT32: 'int32', INT64: 'int64', FP16: 'float16', FP32: 'float32', FP64: 'float64', BYTES: 'string',
};
const FROM_ORT = Object.fromEntries(Object.entries(TO_ORT).map(([k, v]) => [v, k])) as Record<string, Datatype>;

// One session per model file for the worker's life; intra-op threads 1 so N workers use N cores, not N².
const sessions = new Map<string, Promise<ort.InferenceSession>>();

function session(task: OnnxTask): { session: Promise<ort.InferenceSession>; opened: boolean } {
  const cached = sessions.get(task.modelPath);
  if (cached) return { session: cached, opened: false };
  const created = ort.InferenceSession.create(task.modelPath, {
    executionProviders: task.executionProviders,
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  sessions.set(task.modelPath, created);
  created.catch(() => sessions.delete(task.modelPath));
  return { session: created, opened: true };
}

/** Runs one inference; output buffers are transferred back, not copied. */
export default async function infer(task: OnnxTask | { release: string }): Promise<OnnxResult | boolean> {
  if ('release' in task) {
    const cached = sessions.get(task.release);
    sessions.delete(task.release);
    if (cached) await (await cached).release();
    return Boolean(cached);
  }
  const { session: pending, opened } = session(task);
  const s = await pending;
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of task.inputs) {
    const type = TO_ORT[input.datatype];
    if (!type) throw new Error(`datatype ${input.datatype} is not supported by ONNX Runtime`);
    feeds[input.name] = new ort.Tensor(type, input.data as ort.Tensor.DataType, input.shape);
  }
  const results = await s.run(feeds, task.outputNames);
  const outputs: Tensor[] = task.outputNames.map((name) => {
    const t = results[name];
    // A copy we own outright, so its buffer can be transferred to the main thread.
    const data = Array.isArray(t.data) ? [...(t.data as string[])] : (t.data as Float32Array).slice();
    t.dispose();
    return { name, datatype: FROM_ORT[t.type] ?? 'FP32', shape: [...t.dims], data: data as Tensor['data'] };
  });
  const result: OnnxResult = { outputs, opened };
  const buffers = outputs.flatMap((o) => (Array.isArray(o.data) ? [] : [o.data.buffer]));
  return move({ [transferableSymbol]: buffers, [valueSymbol]: result } as never) as unknown as OnnxResult;
}
