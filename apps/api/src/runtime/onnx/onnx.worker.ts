import './hide-float16-array'; // before onnxruntime-node
import { workerData } from 'node:worker_threads';
import { serveWorker } from '../../lifecycle/worker-serve';
import { Tensor } from '../runtime.types';
import { openOnnxSession } from './onnx.session';
import type { OnnxWorkerData } from './onnx.task';

// One session for the thread's life; output buffers are transferred back, not copied.
const session = openOnnxSession(workerData as OnnxWorkerData);

serveWorker(session.ready, async (inputs: Tensor[]) => {
  const outputs = await session.infer(inputs);
  return { result: outputs, transfer: outputs.flatMap((o) => (Array.isArray(o.data) ? [] : [o.data.buffer as ArrayBuffer])) };
});
