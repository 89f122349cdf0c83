/** What each ONNX worker thread is started with: it opens this one session for its life. */
export interface OnnxWorkerData {
  modelPath: string;
  executionProviders: string[];
  outputNames: string[];
  /** Inputs and outputs the config declares BF16 over a float32 graph (bf16-boundary.ts). */
  bf16: { inputs: string[]; outputs: string[] };
}
