// The one HTTP server for observability (config metrics.address, default ":9179"):
//   GET /metrics  Prometheus text exposition (metrics.ts)
//   GET /healthz  200 while the event loop runs; 503 after a stall beyond the threshold (event-loop.ts)
//   GET /readyz   200 or 503 with the reason in plain text (health.ts)
// HEAD is answered like GET without a body. In: requests. Out: responses; nothing else.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './log.ts';

export const DEFAULT_METRICS_PORT = 9179;

export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}
export interface ReadinessSource {
  check(): { readonly ready: boolean; readonly reason: string };
}
export interface LivenessSource {
  health(): { readonly ok: boolean; readonly reason: string };
}

export interface ObservabilityServerOptions {
  /** ":9179" (every address), "127.0.0.1:9179", "[::1]:9179", "0.0.0.0:0" (any free port). */
  readonly address: string;
  readonly metrics: MetricsSource;
  readonly readiness: ReadinessSource;
  readonly liveness: LivenessSource;
  readonly logger?: Logger;
}

export interface ObservabilityServer {
  readonly server: http.Server;
  /** The bound address and port (the real port when 0 was asked for). */
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Split a listen address. host undefined means every address (Node listens on :: and 0.0.0.0).
 * Throws RangeError with the text when it is not an address and port.
 */
export function parseListenAddress(text: string): { host: string | undefined; port: number } {
  let host: string;
  let portText: string;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2] ?? String(DEFAULT_METRICS_PORT);
  } else if ((text.match(/:/g) ?? []).length > 1) {
    // A bare IPv6 address has no room for a port.
    host = text;
    portText = String(DEFAULT_METRICS_PORT);
  } else {
    const i = text.lastIndexOf(':');
    host = i < 0 ? text : text.slice(0, i);
    portText = i < 0 ? String(DEFAULT_METRICS_PORT) : text.slice(i + 1);
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new RangeError(
      `metrics address ${JSON.stringify(text)}: port ${JSON.stringify(portText)} is not 0-65535`,
    );
  }
  return { host: host === '' ? undefined : host, port };
}

function send(res: http.ServerResponse, head: boolean, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(head ? undefined : body);
}

const TEXT = 'text/plain; charset=utf-8';

async function handle(opts: ObservabilityServerOptions, req: http.IncomingMessage, res: http.ServerResponse) {
  const path = (req.url ?? '/').split('?')[0];
  const known = path === '/metrics' || path === '/healthz' || path === '/readyz';
  if (!known) return send(res, false, 404, TEXT, 'not found: try /metrics, /healthz or /readyz\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, false, 405, TEXT, 'method not allowed\n');
  }
  const head = req.method === 'HEAD';
  if (path === '/healthz') {
    const h = opts.liveness.health();
    return send(res, head, h.ok ? 200 : 503, TEXT, `${h.reason}\n`);
  }
  if (path === '/readyz') {
    const r = opts.readiness.check();
    return send(res, head, r.ready ? 200 : 503, TEXT, `${r.reason}\n`);
  }
  try {
    const body = await opts.metrics.metrics();
    send(res, head, 200, opts.metrics.contentType, body);
  } catch (e) {
    opts.logger?.error('collecting metrics failed', { error: e });
    send(res, head, 500, TEXT, `collecting metrics failed: ${(e as Error).message}\n`);
  }
}

export function startObservabilityServer(opts: ObservabilityServerOptions): Promise<ObservabilityServer> {
  const { host, port } = parseListenAddress(opts.address);
  const server = http.createServer((req, res) => void handle(opts, req, res));
  // A scraper that keeps connections open must not hold the daemon's shutdown.
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      server.on('error', (e) => opts.logger?.error('metrics server error', { error: e }));
      const a = server.address() as AddressInfo;
      opts.logger?.info(
        `metrics, health and readiness on http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/`,
        {
          address: a.address,
          port: a.port,
        },
      );
      resolve({
        server,
        host: a.address,
        port: a.port,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((e) => (e ? fail(e) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
