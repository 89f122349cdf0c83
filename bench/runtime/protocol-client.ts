// What a benchmark client of one inference protocol provides, so the sweep (and run.ts) can drive
// REST JSON, REST binary and gRPC alike. A protocol lives in bench/runtime/<protocol>-client.ts and
// is registered with one line in bench/runtime/protocols.ts.

/** A server under test and where each protocol reaches it. */
export interface InferTarget {
  /** HTTP base URL (REST). */
  url: string;
  model: string;
  /** The REST infer path: /v2/models/<model>/infer on the API, /infer on the bare server. */
  restInferPath: string;
  /** host:port of the gRPC listener, where the server has one. */
  grpcAddress?: string;
  /** Sent with every request (e.g. an API key). */
  headers?: Record<string, string>;
}

/** One request's input tensor (the benchmark models take one FP32 input). */
export interface BenchInput {
  name: string;
  datatype: 'FP32';
  shape: number[];
  data: Float32Array;
}

export interface ProtocolClient {
  /** Sends request number `n` (cycling through the prepared requests); true when it succeeded. */
  infer(n: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface Protocol {
  /** As it appears in results and plots, e.g. "rest-json". */
  name: string;
  /** Whether the bare baseline server (bench/runtime/bare-server.ts) speaks it too. */
  bare: boolean;
  /** Opens a client for `concurrency` callers; request bodies are encoded here, before timing starts. */
  open(target: InferTarget, requests: BenchInput[][], concurrency: number): Promise<ProtocolClient>;
}
