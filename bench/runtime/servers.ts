// The servers the runtime benchmarks compare, on one generated model repository:
// the API as configured (each model's dynamic_batching), the same API with batching off in every
// model's config.json (the Triton way to turn it off per model), and the bare baseline server.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ROOT, Server, spawnAndWait, startService } from '../support';
import { generateRepository } from '../../apps/api/src/runtime/models/generate';

/** Two copies of the model repository: as generated, and with `"dynamic_batching": false` everywhere. */
export function benchRepositories(): { batched: string; unbatched: string } {
  const batched = mkdtempSync(path.join(tmpdir(), 'nf-bench-models-'));
  const unbatched = mkdtempSync(path.join(tmpdir(), 'nf-bench-models-off-'));
  generateRepository(batched);
  generateRepository(unbatched);
  for (const model of readdirSync(unbatched)) {
    const file = path.join(unbatched, model, 'config.json');
    if (!existsSync(file)) continue;
    const config = JSON.parse(readFileSync(file, 'utf8'));
    if (config.maxBatchSize > 0) writeFileSync(file, JSON.stringify({ ...config, dynamic_batching: false }, null, 2));
  }
  return { batched, unbatched };
}

/** The built service on `models`, ready to serve. */
export async function startApi(models: string, extra: Record<string, string> = {}): Promise<Server> {
  const server = await startService({ MODEL_REPOSITORY_PATH: models, INFER_QUEUE_CAPACITY: '4096', ...extra });
  for (let i = 0; i < 600; i++) {
    if ((await fetch(`${server.url}/v2/health/ready`)).status === 200) return server;
    await new Promise((r) => setTimeout(r, 100));
  }
  server.child.kill('SIGTERM');
  throw new Error('the API never became ready');
}

/** bench/runtime/bare-server.ts on one model of the repository. */
export function startBare(models: string, model: string): Promise<Server> {
  return spawnAndWait([path.join(ROOT, 'dist', 'bench', 'runtime', 'bare-server.js'), path.join(models, model, '1', 'model.onnx')], {}, models);
}
