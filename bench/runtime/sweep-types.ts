/** One measured point of a concurrency sweep. */
export interface SweepPoint {
  model: string;
  protocol: string;
  /** api = the service with each model's dynamic_batching; api-unbatched = batching off in config.json; bare = bench/runtime/bare-server.ts. */
  server: 'api' | 'api-unbatched' | 'bare';
  concurrency: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  failures: number;
  /** CPU the server process spent per answered request (null where /proc is missing). */
  serverCpuMsPerRequest: number | null;
}
