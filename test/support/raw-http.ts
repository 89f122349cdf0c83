import { Agent, request } from 'node:http';

export interface RawAnswer {
  status: number;
  contentType: string;
  body: Buffer;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/**
 * Sends one request exactly as given: the path's bytes unescaped again (supertest and fetch normalise some),
 * any body bytes under any content type. Resolves 'hang' when no answer completes within timeoutMs.
 */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer,
  timeoutMs = 10_000,
): Promise<RawAnswer | 'hang'> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(baseUrl);
    // Host, port and path apart: a URL string would be normalised on the way ('/v2/..' sent as '/').
    const options = { hostname, port, path, method, headers: body ? { ...headers, 'content-length': String(body.length) } : headers, agent };
    const req = request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve('hang');
    }, timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(body);
  });
}
