/** What each ONNX worker thread is started with: it opens this one session for its life. */
export interface OnnxWorkerData {
  modelPath: string;
  executionProviders: string[];
  outputNames: string[];
}
