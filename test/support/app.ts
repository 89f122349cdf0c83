import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import request from 'supertest';
import { createApp } from '../../apps/api/src/app.factory';
import { testEnv } from './env';

export interface TestApp {
  app: NestFastifyApplication;
  http: ReturnType<typeof request>;
  /** Base URL of a real listener on 127.0.0.1, for clients that use fetch (the SDK). */
  url: string;
  close(): Promise<void>;
}

/** The real application on an in-memory SQLite database, driven over HTTP by supertest. */
export async function startTestApp(overrides: Record<string, string> = {}): Promise<TestApp> {
  register.clear(); // prom-client's registry is process-global; each app starts from an empty one
  const app = await createApp(testEnv(overrides), { dashboardDir: '/nonexistent' });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, http: request(app.getHttpServer()), url, close: () => app.close() };
}
