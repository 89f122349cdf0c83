import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import helmet, { type HelmetOptions } from 'helmet';
import { helmetHeaders } from './security-headers';

/** The headers helmet's own middleware puts on a real response. */
async function headersOnTheWire(options: HelmetOptions): Promise<Record<string, string>> {
  const middleware = helmet(options);
  const server = createServer((req, res) => middleware(req, res, () => res.end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const generic = new Set(['connection', 'content-length', 'date', 'keep-alive']);
    return Object.fromEntries([...res.headers].filter(([name]) => !generic.has(name)));
  } finally {
    server.close();
  }
}

describe('helmetHeaders', () => {
  it.each<[string, HelmetOptions]>([
    ['defaults', {}],
    ['a custom CSP without HSTS', { contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'self'"], frameAncestors: ["'none'"] } }, strictTransportSecurity: false }],
    ['HSTS and no frame options', { strictTransportSecurity: { maxAge: 60 }, xFrameOptions: false }],
  ])('are exactly what helmet sends on a response (%s)', async (_what, options) => {
    expect(helmetHeaders(options)).toEqual(await headersOnTheWire(options));
  });
});
