import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { compression } from 'vite-plugin-compression2';
import { bundleBudget } from './bundle-budget';

const root = fileURLToPath(new URL('.', import.meta.url));
const fromRoot = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const api = 'http://127.0.0.1:8600';
/** Every API path the dashboard calls (and the API's own pages), proxied by `npm run dev`. */
const API_PATHS = ['/auth', '/admin', '/audit', '/policies', '/pqc', '/v2', '/health', '/metrics', '/docs'];

export default defineConfig({
  root,
  // Every text output is also written as .br and .gz (smaller only); the API sends them to browsers that accept them.
  plugins: [react(), bundleBudget(fromRoot('reports/dashboard-bundle.json')), compression({ algorithms: ['brotliCompress', 'gzip'] })],
  resolve: { alias: { '@nf/contracts': fromRoot('libs/contracts/src') } },
  build: { outDir: fromRoot('dist/dashboard'), emptyOutDir: true, reportCompressedSize: true },
  // `npm run dev`: Vite serves the UI, the API runs separately (npm start) and is proxied.
  server: {
    port: 5173,
    proxy: Object.fromEntries(API_PATHS.map((p) => [p, api])),
  },
});
