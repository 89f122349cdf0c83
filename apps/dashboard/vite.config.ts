import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const api = 'http://127.0.0.1:8600';

export default defineConfig({
  root,
  plugins: [react()],
  resolve: { alias: { '@nf/contracts': fileURLToPath(new URL('../../libs/contracts/src', import.meta.url)) } },
  build: { outDir: fileURLToPath(new URL('../../dist/dashboard', import.meta.url)), emptyOutDir: true, reportCompressedSize: true },
  // `npm run dev`: Vite serves the UI, the API runs separately (npm start) and is proxied.
  server: {
    port: 5173,
    proxy: Object.fromEntries(['/health', '/metrics', '/docs', '/pqc', '/v2', '/api'].map((p) => [p, api])),
  },
});
