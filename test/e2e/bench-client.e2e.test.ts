import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { jsonPost, KeepAliveConnection } from '../../bench/keep-alive-client';

/** The handshake benchmark's load generator, against a plain node:http server. */
describe('bench keep-alive client', () => {
  let server: http.Server;
  let url: URL;
  const seen: { method?: string; url?: string; type?: string; body: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        seen.push({ method: request.method, url: request.url, type: request.headers['content-type'], body });
        if (request.url === '/close') return void request.socket.destroy();
        if (request.url === '/chunked') return void response.writeHead(200).end('streamed');
        const { size, status } = JSON.parse(body) as { size: number; status: number };
        const json = JSON.stringify({ pad: 'x'.repeat(size) });
        response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) }).end(json);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`);
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends JSON posts on one connection and reads each whole answer, small or many chunks long', async () => {
    const connection = await KeepAliveConnection.open(url);
    try {
      for (const [size, status] of [[10, 200], [300_000, 200], [0, 409], [5, 200]]) {
        const response = await connection.request(jsonPost(url, JSON.stringify({ size, status })));
        expect(response.status).toBe(status);
        expect(JSON.parse(response.body.toString())).toEqual({ pad: 'x'.repeat(size) });
      }
      expect(seen.slice(-4).map((s) => [s.method, s.url, s.type])).toEqual(Array(4).fill(['POST', '/echo', 'application/json']));
    } finally {
      connection.close();
    }
  });

  it('refuses an answer without a Content-Length (it reads no chunked bodies) instead of guessing', async () => {
    const connection = await KeepAliveConnection.open(url);
    await expect(connection.request(jsonPost(new URL('/chunked', url), '{}'))).rejects.toThrow('Content-Length');
    connection.close();
  });

  it('rejects the request in flight, and every later one, when the server drops the connection', async () => {
    const connection = await KeepAliveConnection.open(url);
    const closeUrl = new URL('/close', url);
    await expect(connection.request(jsonPost(closeUrl, '{}'))).rejects.toThrow();
    await expect(connection.request(jsonPost(url, JSON.stringify({ size: 1, status: 200 })))).rejects.toThrow();
    connection.close();
  });
});
