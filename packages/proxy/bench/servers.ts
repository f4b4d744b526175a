/* eslint-disable no-console */
/**
 * The two reference servers of `yarn bench:proxy`, each run in its own
 * process like the proxy and nginx:
 *   naive <originPort>  the seed design: every request forwarded to an origin
 *   min <dir>           a bare Node.js server answering the same files from
 *                       memory with no routing: the ceiling of any Node.js
 *                       server on this machine
 * Prints the port it listens on as its first line.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import httpProxy from 'http-proxy';

const [mode, arg] = process.argv.slice(2);

let server: http.Server;
if (mode === 'naive') {
  const forward = httpProxy.createProxyServer({
    target: `http://127.0.0.1:${arg}`,
    agent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
  });
  server = http.createServer((req, res) => forward.web(req, res));
} else if (mode === 'min') {
  const bodies = new Map(
    ['index.html', 'assets/app.js'].map(name => [
      `/${name}`,
      readFileSync(join(arg, name)),
    ]),
  );
  server = http.createServer((req, res) => {
    const body = bodies.get(req.url ?? '') ?? Buffer.alloc(0);
    res.writeHead(200, {
      'Content-Type': 'text/html',
      'Content-Length': body.length,
    });
    res.end(body);
  });
} else {
  throw new Error(`usage: servers.ts naive <originPort> | min <dir>`);
}
server.listen(0, '127.0.0.1', () => {
  console.log((server.address() as AddressInfo).port);
});
