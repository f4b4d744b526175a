// Runs in the sandbox, with the sandbox's node, before the build command:
//
//   node egressForwarder.mjs <port> <socket> <command> [args...]
//
// Listens on 127.0.0.1:<port> of the sandbox's own network namespace and
// relays each connection to <socket>, the unix socket of the egress proxy
// outside (egress.ts), which decides where a build may connect. Then runs
// the command and exits as it does. It is a convenience, not a boundary:
// the build could talk to the socket itself and meet the same proxy.
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';

const [port, socket, command, ...args] = process.argv.slice(2);

const server = createServer(client => {
  const upstream = connect(socket);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
  client.pipe(upstream).pipe(client);
});

server.on('error', e => {
  process.stderr.write(
    `novahost: the egress proxy did not start: ${e.message}\n`,
  );
  process.exit(125);
});

server.listen(Number(port), '127.0.0.1', () => {
  const child = spawn(command, args, { stdio: 'inherit' });
  const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'];
  const pass = signal => child.kill(signal);
  for (const s of signals) process.on(s, pass);
  child.on('error', e => {
    process.stderr.write(`${command}: ${e.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      for (const s of signals) process.off(s, pass);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
});
