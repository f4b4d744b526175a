/**
 * Requests to a proxy under test, with the Host header a visitor's browser
 * would send.
 */
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect, createServer } from 'node:net';

export interface TestResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as UTF-8 text. */
  body: string;
  /** The body's bytes. */
  bytes: Buffer;
}

/** One request to 127.0.0.1:`port`, as if to `http://<host><path>`. */
export function httpGet(
  port: number,
  host: string,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { host, ...options.headers },
      },
      res => {
        const chunks: Buffer[] = [];
        res.on('data', c => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: bytes.toString('utf8'),
            bytes,
          });
        });
      },
    )
      .on('error', reject)
      .end();
  });
}

/**
 * Writes `data` on a fresh socket and returns everything the server sent
 * until it closed the connection (latin1): no client library normalizes
 * the request or parses the answer.
 */
export function sendRaw(port: number, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(data));
    let received = '';
    socket.on('data', d => (received += d.toString('latin1')));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

/**
 * A TCP port free on 127.0.0.1 right now, for a server whose port must be
 * known before it starts (the backend hands out URLs on the proxy's port).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
