import { mkdirSync, writeFileSync } from 'node:fs';
import { get, IncomingHttpHeaders } from 'node:http';
import * as path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { startTestApp, TestApp } from '../support/app';
import { tempDir } from '../support/env';

/** A dashboard build as Vite and its compression plugin lay it out: hashed assets with .br and .gz beside them. */
function fakeBuild(): { dir: string; script: string } {
  const dir = tempDir('nf-dashboard-');
  mkdirSync(path.join(dir, 'assets'));
  const script = `console.log(${JSON.stringify('neural fabric '.repeat(400))});\n`;
  const html = '<!doctype html><html><head><script type="module" src="/assets/index-AbC123.js"></script></head><body><div id="root"></div></body></html>';
  const write = (file: string, text: string) => {
    writeFileSync(path.join(dir, file), text);
    writeFileSync(path.join(dir, `${file}.br`), brotliCompressSync(text));
    writeFileSync(path.join(dir, `${file}.gz`), gzipSync(text));
  };
  write('index.html', html);
  write('assets/index-AbC123.js', script);
  return { dir, script };
}

describe('the dashboard files: compressed, cached by content hash, behind the security headers', () => {
  let t: TestApp;
  let script: string;

  beforeAll(async () => {
    const build = fakeBuild();
    script = build.script;
    t = await startTestApp({}, { dashboardDir: build.dir });
  });
  afterAll(async () => {
    await t.close();
  });

  /** The bytes as sent, undecoded (supertest and fetch would decompress them), with status and headers. */
  const raw = (file: string, acceptEncoding: string) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      get(`${t.url}${file}`, { headers: { 'accept-encoding': acceptEncoding } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });

  it('sends a hashed script brotli-compressed to a browser that accepts br, cached for a year as immutable', async () => {
    const res = await raw('/assets/index-AbC123.js', 'gzip, deflate, br');
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['content-type']).toMatch(/^(application|text)\/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers.vary).toMatch(/accept-encoding/i);
    expect(brotliDecompressSync(res.body).toString()).toBe(script);
    expect(res.body.length).toBeLessThan(script.length / 10);
  });

  it('falls back to gzip, then to the plain file, by what the client accepts', async () => {
    const gzip = await raw('/assets/index-AbC123.js', 'gzip');
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).toString()).toBe(script);
    const plain = await t.http.get('/assets/index-AbC123.js').set('accept-encoding', 'identity').expect(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.text).toBe(script);
  });

  it('revalidates index.html every time, and serves it with the security headers', async () => {
    for (const file of ['/', '/index.html']) {
      const res = await raw(file, 'br');
      expect(res.status).toBe(200);
      expect(brotliDecompressSync(res.body).toString()).toMatch(/^<!doctype html>/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-encoding']).toBe('br');
      const csp = res.headers['content-security-policy'];
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }
    expect((await raw('/assets/index-AbC123.js', 'br')).headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves the compressed copies only as encodings, never as files of their own; unknown paths stay JSON 404s', async () => {
    await t.http.get('/assets/index-AbC123.js.br').expect(404);
    await t.http.get('/index.html.gz').expect(404);
    const missing = await t.http.get('/assets/missing.js').expect(404);
    expect(missing.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('compresses no API answer (a CSRF token next to chosen text is what BREACH needs)', async () => {
    const res = await t.http.get('/auth/mode').set('accept-encoding', 'gzip, br').expect(200);
    expect(res.headers['content-encoding']).toBeUndefined();
  });
});
