/**
 * The Kubernetes-compatible API (`sdk/api/handler.ts`) on a real HTTP socket, plain HTTP,
 * loopback by default: what `kubectl --kubeconfig .svcnet/kubeconfig …` talks to.
 *
 * Watches flush their headers at once (a Node server holds them until the first write,
 * and kubectl waits for them; spec/kubectl.md §3.4 #11) and end when the client goes.
 * Bodies above 3 MiB (the API server's limit) get 413.
 */

import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Cluster } from '../cluster/cluster.js';
import { ApiHandler, statusOf } from '../api/handler.js';
import type { ApiHandlerOptions } from '../api/handler.js';
import { SvcnetError } from '../model/errors.js';

/** The API server's request body limit (apiserver `MaxRequestBodyBytes`, 3 MiB). */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

export interface ApiServerOptions extends ApiHandlerOptions {
  /** Address to listen on, default 127.0.0.1. */
  host?: string;
  /** Port, default 6443; 0 picks a free one. */
  port?: number;
  /** Called with one line per request (`GET /api/v1/services 200 1.2ms`). */
  log?: (line: string) => void;
}

export interface RunningApiServer {
  readonly host: string;
  readonly port: number;
  /** `http://127.0.0.1:6443` */
  readonly url: string;
  readonly handler: ApiHandler;
  close(): Promise<void>;
}

export class ApiServerError extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BODY_BYTES) {
        reject(new SvcnetError('RequestEntityTooLarge', `the request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes`, 413));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts the API for `cluster`; resolves once it listens. */
export async function startApiServer(cluster: Cluster, options: ApiServerOptions = {}): Promise<RunningApiServer> {
  const host = options.host ?? '127.0.0.1';
  const requestedPort = options.port ?? 6443;
  const handler = new ApiHandler(cluster, { ...options, serverAddress: options.serverAddress ?? `${host}:${requestedPort}` });
  const stops = new Set<() => void>();
  const sockets = new Set<import('node:net').Socket>();

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const logLine = (status: number, note = ''): void => {
      options.log?.(`${req.method} ${req.url} ${status} ${(performance.now() - started).toFixed(1)}ms${note}`);
    };
    let body: string;
    try {
      body = await readBody(req);
    } catch (error) {
      const { code, body: status } = statusOf(error);
      res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(status));
      logLine(code);
      return;
    }
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const reply = handler.handle({ method: req.method ?? 'GET', url: req.url ?? '/', headers, body: body === '' ? undefined : body });
    if ('start' in reply) {
      res.writeHead(reply.status, reply.headers);
      res.flushHeaders();
      logLine(reply.status, ' (watch)');
      let open = true;
      const stop = reply.start(
        (line) => {
          if (open) res.write(line);
        },
        () => {
          if (open) res.end();
        },
      );
      stops.add(stop);
      res.on('close', () => {
        open = false;
        stop();
        stops.delete(stop);
      });
      return;
    }
    res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) });
    res.end(reply.body);
    logLine(reply.status);
  };

  const server: Server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        const { code, body } = statusOf(error);
        res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      } else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(new ApiServerError(`svcnet: cannot listen on ${host}:${requestedPort}: ${error.code === 'EADDRINUSE' ? 'address already in use' : error.message}`));
    };
    server.once('error', onError);
    server.listen(requestedPort, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    host,
    port,
    url: `http://${urlHost}:${port}`,
    handler,
    close: () =>
      new Promise<void>((resolve) => {
        for (const stop of stops) stop();
        stops.clear();
        handler.close();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
