// A lean HTTP/1.1 client for load generation: one keep-alive TCP connection per concurrent caller,
// one request in flight on each, requests serialised to bytes before timing starts, and answers
// read by their Content-Length. On the two cores a benchmark shares with the server, node:http's
// client (http.request + Agent) spent ~140 µs of CPU per handshake request; this one a fraction of
// that, so more of the machine goes to the server being measured. The server sees ordinary
// requests on ordinary keep-alive connections.
import { connect as tcpConnect, Socket } from 'node:net';

export interface RawResponse {
  status: number;
  body: Buffer;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.1 (\d{3}) /;
const CONTENT_LENGTH = /\r\ncontent-length: *(\d+)\r\n/i;

/** `POST <path>` with a JSON body, as bytes ready to write. */
export function jsonPost(url: URL, body: string): Buffer {
  const bytes = Buffer.from(body);
  const head = `POST ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\ncontent-length: ${bytes.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), bytes]);
}

export class KeepAliveConnection {
  private buffered: Buffer = Buffer.alloc(0);
  private waiting?: { resolve(response: RawResponse): void; reject(error: Error): void };
  private closed?: Error;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      this.answer();
    });
    const close = (error?: Error) => {
      this.closed ??= error ?? new Error('the server closed the connection');
      this.fail(this.closed);
    };
    socket.on('error', close);
    socket.on('close', () => close());
  }

  static open(url: URL): Promise<KeepAliveConnection> {
    return new Promise((resolve, reject) => {
      const socket = tcpConnect(Number(url.port), url.hostname, () => {
        socket.off('error', reject);
        resolve(new KeepAliveConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Sends one request (bytes from jsonPost) and resolves with the status and the whole body. */
  request(bytes: Buffer): Promise<RawResponse> {
    if (this.closed) return Promise.reject(this.closed);
    if (this.waiting) return Promise.reject(new Error('one request at a time on a connection'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(bytes);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private answer(): void {
    const end = this.buffered.indexOf(HEADER_END);
    if (end < 0 || !this.waiting) return;
    const head = this.buffered.toString('latin1', 0, end + 2);
    const status = STATUS_LINE.exec(head);
    const length = CONTENT_LENGTH.exec(head);
    if (!status || !length) {
      this.fail(new Error(`not an HTTP/1.1 answer with a Content-Length: ${JSON.stringify(head.slice(0, 200))}`));
      this.socket.destroy();
      return;
    }
    const total = end + HEADER_END.length + Number(length[1]);
    if (this.buffered.length < total) return;
    const body = this.buffered.subarray(end + HEADER_END.length, total);
    this.buffered = this.buffered.subarray(total);
    const { resolve } = this.waiting;
    this.waiting = undefined;
    resolve({ status: Number(status[1]), body });
  }

  private fail(error: Error): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }
}
