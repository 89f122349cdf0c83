import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server as NetServer, Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { INestApplication, Logger } from '@nestjs/common';
import { ProbeRegistry } from '../health/probe-registry';
import { Settings } from '../env/env.schema';

/** How often the shutdown looks whether the connections in hand have been answered. */
const POLL_MS = 20;
/** A connection accepted but not yet asked anything gets this long to send its request. */
const FIRST_REQUEST_GRACE_MS = 1_000;
/** Longest the shutdown keeps taking connections the kernel had already queued before the listener stops. */
const ACCEPT_QUEUE_DRAIN_MS = 1_000;

interface Connection {
  acceptedAt: number;
  requests: number;
  open: Set<ServerResponse>;
}

/** One connection's key on both sides of TLS: the raw TCP socket and the TLSSocket wrapping it share their peer address. */
const peerOf = (socket: Socket) => `${socket.remoteAddress}|${socket.remotePort}`;

/**
 * The connections a Node HTTP or HTTPS server holds and the requests in hand on each; once shutdown
 * has begun every answer says `Connection: close`, so keep-alive clients stop reusing their connection
 * instead of racing its close. On HTTPS a connection is tracked from its TCP accept (the handshake
 * counts as "may still send its first request"); requests arrive on the TLSSocket wrapping it, which
 * replaces it as the socket to end.
 */
class ConnectionTracker {
  private readonly connections = new Map<string, Connection & { raw: Socket; socket: Socket }>();
  /** The same connections by socket, raw and TLS alike: what a request is matched by, with no key to build per request. */
  private readonly bySocket = new WeakMap<Socket, Connection>();
  private closing = false;
  /** Connections accepted since start. */
  accepted = 0;

  constructor(readonly server: NetServer) {
    server.on('connection', (socket: Socket) => {
      this.accepted++;
      if (socket.remotePort === undefined) return; // already gone
      const key = peerOf(socket);
      const connection = { raw: socket, socket, acceptedAt: Date.now(), requests: 0, open: new Set<ServerResponse>() };
      this.connections.set(key, connection);
      this.bySocket.set(socket, connection);
      socket.once('close', () => {
        if (this.connections.get(key)?.raw === socket) this.connections.delete(key);
      });
    });
    server.on('secureConnection', (socket: Socket) => {
      const connection = this.connections.get(peerOf(socket));
      if (!connection) return;
      connection.socket = socket;
      this.bySocket.set(socket, connection);
    });
    // Prepended so every request is counted before any handler runs; 'close' fires for answered and aborted ones alike.
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
      const connection = this.bySocket.get(request.socket);
      if (!connection) return;
      connection.requests++;
      connection.open.add(response);
      if (this.closing) response.setHeader('Connection', 'close');
      response.once('close', () => connection.open.delete(response));
    });
  }

  beginClosing(): void {
    this.closing = true;
    for (const { open } of this.connections.values()) {
      for (const response of open) if (!response.headersSent) response.setHeader('Connection', 'close');
    }
  }

  /** Whether a request is in hand, or an accepted connection may still be sending its first one. */
  settled(now: number): boolean {
    for (const c of this.connections.values()) {
      if (c.open.size > 0 || (c.requests === 0 && now - c.acceptedAt < FIRST_REQUEST_GRACE_MS)) return false;
    }
    return true;
  }

  /**
   * Ends every connection with no request in hand. Node's own closeIdleConnections() leaves a
   * connection that never sent a request open, and such a client would hold the shutdown until its timeout.
   */
  closeIdle(): void {
    for (const { socket, open } of this.connections.values()) if (open.size === 0) socket.destroy();
  }
}

/**
 * SIGTERM/SIGINT, for the plain listener and `otherServers` (the https one) alike, and `drainables` (gRPC) after the drain period: readiness flips to 503 at once and every answer from then on says
 * `Connection: close`; after the drain period (for load balancers to notice) the listener stops
 * accepting, every request already accepted is answered, idle connections are closed, and then
 * the modules shut down and the process exits 0. If requests outlast the timeout it exits 1.
 *
 * The listener is stopped with net.Server's close, not http.Server's: since Node 19 the latter also
 * closes "idle" connections at once, which includes accepted connections whose request bytes are
 * already in the socket but not yet parsed — those clients would see a reset instead of an answer.
 */
/** A listener that is not a Node HTTP server (the gRPC one): stops taking calls and resolves once those in flight are answered. */
export interface Drainable {
  drain(): Promise<void>;
}

export function installGracefulShutdown(
  app: INestApplication,
  shutdown: Settings['shutdown'],
  otherServers: NetServer[] = [],
  drainables: Drainable[] = [],
  exit = process.exit,
): void {
  const logger = new Logger('Shutdown');
  const trackers = [app.getHttpServer() as NetServer, ...otherServers].map((server) => new ConnectionTracker(server));
  const accepted = () => trackers.reduce((sum, t) => sum + t.accepted, 0);
  let started = false;

  const onSignal = async (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    logger.log(`${signal} received: readiness now 503, draining for ${shutdown.drainMs} ms`);
    app.get(ProbeRegistry).beginShutdown();
    for (const t of trackers) t.beginClosing();
    await new Promise((resolve) => setTimeout(resolve, shutdown.drainMs));

    const timer = setTimeout(() => {
      logger.error(`in-flight work did not finish within ${shutdown.timeoutMs} ms; exiting`);
      exit(1);
    }, shutdown.timeoutMs);
    try {
      // Connections the kernel completed are only queued: closing the listener would reset them. libuv
      // takes about one queued connection per turn of the event loop, so turn until a turn takes none.
      const acceptUntil = Date.now() + ACCEPT_QUEUE_DRAIN_MS;
      for (let seen = -1; seen !== accepted() && Date.now() < acceptUntil; ) {
        seen = accepted();
        await nextTurn();
      }
      for (const { server } of trackers) if (server.listening) NetServer.prototype.close.call(server);
      const drained = Promise.all(drainables.map((d) => d.drain()));
      while (!trackers.every((t) => t.settled(Date.now()))) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      for (const t of trackers) t.closeIdle();
      await drained;
      await app.close();
      logger.log('closed cleanly');
      clearTimeout(timer);
      exit(0);
    } catch (error) {
      logger.error(`shutdown failed: ${(error as Error).message}`);
      exit(1);
    }
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
