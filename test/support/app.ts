import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import request from 'supertest';
import { createApp } from '../../apps/api/src/app.factory';
import { createGrpcListener, GrpcListener } from '../../apps/api/src/grpc/grpc-listener';
import { createHttpsListener, HttpsListener, prepareTls } from '../../apps/api/src/tls/https-listener';
import { generateRepository } from '../../apps/api/src/runtime/models/generate';
import { tempDir, testEnv } from './env';

export interface TestApp {
  app: NestFastifyApplication;
  http: ReturnType<typeof request>;
  /** Base URL of a real listener on 127.0.0.1, for clients that use fetch (the SDK). */
  url: string;
  /** With `{ https: true }`: the https listener (development certificates under the test's DATA_DIR). */
  https?: HttpsListener & { url: string };
  /** With `{ grpc: true }`: the gRPC listener (TLS exactly when `https` is on), and the `host:port` to dial. */
  grpc?: GrpcListener & { target: string };
  close(): Promise<void>;
}

const quiet = { log() {}, warn() {}, error() {} };

/** The real application on an in-memory SQLite database, driven over HTTP by supertest. */
export async function startTestApp(overrides: Record<string, string> = {}, options: { https?: boolean; grpc?: boolean; dashboardDir?: string } = {}): Promise<TestApp> {
  register.clear(); // prom-client's registry is process-global; each app starts from an empty one
  const env = testEnv(overrides);
  const app = await createApp(env, { dashboardDir: options.dashboardDir ?? '/nonexistent' });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  let https: TestApp['https'];
  if (options.https) {
    const certificates = await prepareTls(env.settings, quiet);
    if (!certificates) throw new Error('the https listener needs TLS_ENABLED=true and a Node with X25519MLKEM768');
    const listener = createHttpsListener(app, env.settings, certificates, quiet);
    https = Object.assign(listener, { url: await listener.listen() });
  }
  let grpc: TestApp['grpc'];
  if (options.grpc) {
    const listener = createGrpcListener(app, env.settings, https, quiet);
    grpc = Object.assign(listener, { target: await listener.listen() });
  }
  return {
    app,
    http: request(app.getHttpServer()),
    url,
    https,
    grpc,
    close: async () => {
      grpc?.close();
      await https?.close();
      await app.close();
    },
  };
}

/**
 * startTestApp over a freshly generated repository of the reference models (one handshake worker);
 * `prepare` may change the repository before the app opens it.
 */
export function startModelTestApp(
  overrides: Record<string, string> = {},
  options: Parameters<typeof startTestApp>[1] = {},
  prepare?: (models: string) => void,
): Promise<TestApp> {
  const models = tempDir('nf-models-');
  generateRepository(models);
  prepare?.(models);
  return startTestApp({ MODEL_REPOSITORY_PATH: models, PQC_WORKERS: '1', ...overrides }, options);
}
