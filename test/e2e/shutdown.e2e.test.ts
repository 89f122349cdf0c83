import * as net from 'node:net';
import * as tls from 'node:tls';
import { spawnService } from '../support/service-process';
import { devTrust } from '../support/tls';

jest.setTimeout(60_000);

type Connect = () => net.Socket;
const plain = (url: URL): Connect => () => net.connect(Number(url.port), url.hostname);
const overTls = (url: URL, ca: Buffer): Connect => () => tls.connect({ host: url.hostname, port: Number(url.port), servername: 'localhost', ca });

/** An open connection (TLS handshake done) and everything it will have received when it closes. */
async function open(connect: Connect): Promise<{ socket: net.Socket; received: () => string; answer: Promise<string> }> {
  const socket = connect();
  await new Promise((resolve) => socket.once(socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect', resolve));
  let data = '';
  socket.on('data', (chunk) => (data += chunk));
  const answer = new Promise<string>((resolve) => {
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    socket.on('close', () => resolve(data));
  });
  return { socket, received: () => data, answer };
}

/** Opens a connection and sends one complete request on it; resolves once every byte is handed to the kernel. */
async function sendRequest(connect: Connect, request: string): Promise<{ answer: Promise<string>; firstBytes: Promise<unknown> }> {
  const { socket, answer } = await open(connect);
  const firstBytes = new Promise((resolve) => socket.once('data', resolve));
  await new Promise((resolve) => socket.write(request, resolve));
  return { answer, firstBytes };
}

/** A keep-alive client that asks GET /health/live whenever told, each time resolving to that one answer. */
async function keepAliveClient(connect: Connect): Promise<{ ask(): Promise<string>; closed: Promise<string> }> {
  const { socket, received, answer } = await open(connect);
  return {
    ask: async () => {
      const before = received().length;
      socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
      while (!/\r\n\r\n[\s\S]*\}$/.test(received().slice(before))) await new Promise((resolve) => setTimeout(resolve, 10));
      return received().slice(before);
    },
    closed: answer,
  };
}

async function waitUntilStarted(base: string): Promise<void> {
  while ((await fetch(`${base}/health/startup`)).status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
}

describe('SIGTERM with the default settings', () => {
  it('answers every request already sent and exits 0', async () => {
    // Defaults from .env.default: SHUTDOWN_DRAIN_MS=0.
    const svc = spawnService();
    const url = new URL(await svc.url());
    await waitUntilStarted(url.origin);

    // Enough concurrent work that most requests are still queued, unparsed or not even accepted at SIGTERM.
    const body = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 256], data: Array(256).fill(0.5) }] });
    const request = `POST /v2/models/wide-mlp/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const sent = await Promise.all(Array.from({ length: 60 }, () => sendRequest(plain(url), request)));
    svc.child.kill('SIGTERM');

    const answers = await Promise.all(sent.map((s) => s.answer));
    const statuses = answers.map((a) => a.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? `no answer (${a.slice(0, 40) || 'closed'})`);
    expect(statuses).toEqual(Array(60).fill('200'));
    expect(await svc.exited).toBe(0);
  });

  it('answers with Connection: close once shutdown has begun, so keep-alive clients leave', async () => {
    const svc = spawnService({ SHUTDOWN_DRAIN_MS: '2000' });
    const { ask, closed } = await keepAliveClient(plain(new URL(await svc.url())));
    expect(await ask()).toMatch(/\r\nConnection: keep-alive\r\n/i);
    svc.child.kill('SIGTERM');
    await svc.waitForLine(/SIGTERM received/);
    expect(await ask()).toMatch(/^HTTP\/1\.1 200[\s\S]*\r\nConnection: close\r\n/i); // during the drain: served, and told to leave
    await closed;
    expect(await svc.exited).toBe(0);
  });

  it('does not wait for idle keep-alive or silent connections (exits 0, not 1 at SHUTDOWN_TIMEOUT_MS)', async () => {
    const svc = spawnService({ SHUTDOWN_TIMEOUT_MS: '5000' });
    const connect = plain(new URL(await svc.url()));
    // A client that was answered and keeps its connection open, and one that connected and said nothing.
    const { answer, firstBytes } = await sendRequest(connect, 'GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
    await firstBytes;
    const { socket: silent } = await open(connect);

    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0); // exit 1 would mean the timeout fired
    expect(await answer).toMatch(/^HTTP\/1\.1 200 /);
    silent.destroy();
  });

  it('does not wait for a request its client abandoned half sent (exits 0, not 1 at SHUTDOWN_TIMEOUT_MS)', async () => {
    const svc = spawnService({ SHUTDOWN_TIMEOUT_MS: '5000' });
    const url = new URL(await svc.url());
    await waitUntilStarted(url.origin);
    // Headers promising 1000 bytes of body and 10 sent: the service has the request in hand, waiting for the rest.
    const { socket } = await open(plain(url));
    await new Promise((resolve) => socket.write('POST /v2/models/tiny-mlp/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"inputs":', resolve));
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.destroy();
    // And a keep-alive connection, answered and idle since.
    const { ask } = await keepAliveClient(plain(url));
    await ask();

    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0);
  });

  it('does the same on the https listener: requests sent over TLS are answered and told Connection: close, idle TLS connections do not hold it', async () => {
    const svc = spawnService({ SHUTDOWN_DRAIN_MS: '1500', SHUTDOWN_TIMEOUT_MS: '5000' });
    const url = new URL(await svc.url());
    const httpsUrl = new URL(await svc.httpsUrl());
    await waitUntilStarted(url.origin);
    const ca = devTrust(svc.dir);
    const connect = overTls(httpsUrl, ca);

    // A keep-alive client, asked once before the signal and once during the drain.
    const { ask, closed } = await keepAliveClient(connect);
    expect(await ask()).toMatch(/\r\nConnection: keep-alive\r\n/i);

    const body = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 256], data: Array(256).fill(0.5) }] });
    const request = `POST /v2/models/wide-mlp/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const sent = await Promise.all(Array.from({ length: 30 }, () => sendRequest(connect, request)));
    const { socket: silent } = await open(connect); // completed its handshake and says nothing more
    svc.child.kill('SIGTERM');
    await svc.waitForLine(/SIGTERM received/);
    expect(await ask()).toMatch(/^HTTP\/1\.1 200[\s\S]*\r\nConnection: close\r\n/i);

    const answers = await Promise.all(sent.map((s) => s.answer));
    const statuses = answers.map((a) => a.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? `no answer (${a.slice(0, 40) || 'closed'})`);
    expect(statuses).toEqual(Array(30).fill('200'));
    await closed;
    expect(await svc.exited).toBe(0); // 1 would mean the timeout fired
    silent.destroy();
  });
});
