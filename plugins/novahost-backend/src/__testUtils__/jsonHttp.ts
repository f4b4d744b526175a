import http from 'http';
import { AddressInfo } from 'net';

/** A request's JSON body; `{}` when it has none. */
export async function readJson(req: http.IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

/** Answers with a JSON body (none when `body` is undefined). */
export function sendJson(
  res: http.ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { 'Content-Type': 'application/json', ...headers })
    .end(body === undefined ? undefined : JSON.stringify(body));
}

/**
 * A real HTTP server on a free port of 127.0.0.1 for a fake API; a handler
 * that throws answers 400 with the error. `close` ends open connections.
 */
export async function startJsonServer(
  handle: (
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ) => Promise<void>,
): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    handle(req, res).catch(e => {
      if (!res.headersSent) res.writeHead(400).end(String(e));
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
