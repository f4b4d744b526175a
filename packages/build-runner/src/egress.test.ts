import http from 'node:http';
import net from 'node:net';
import {
  checkDestination,
  parseAllowList,
  parseHostPort,
  refusedAddress,
  startEgressProxy,
  type EgressProxy,
} from './egress.ts';

describe('refusedAddress', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::127.0.0.1', 'reserved'],
  ])('refuses %s (%s)', (address, reason) => {
    expect(refusedAddress(address)).toBe(reason);
  });

  it.each([
    '1.1.1.1',
    '8.8.8.8',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.169.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '2001:db8::1',
  ])('lets %s through', address => {
    expect(refusedAddress(address)).toBeUndefined();
  });

  it('refuses what is not an address', () => {
    expect(refusedAddress('localhost')).toBe('not an IP address');
  });
});

describe('the allow list', () => {
  it('takes host:port and [v6]:port, nothing else', () => {
    expect(parseHostPort('Registry.Local:4873')).toEqual({
      host: 'registry.local',
      port: 4873,
    });
    expect(parseHostPort('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(parseHostPort('localhost')).toBeUndefined();
    expect(parseHostPort('a:0')).toBeUndefined();
    expect(parseHostPort('a:65536')).toBeUndefined();
    expect(parseHostPort('user@a:80')).toBeUndefined();
    expect(() => parseAllowList(['127.0.0.1'])).toThrow(
      "egress allow list: '127.0.0.1' is not host:port",
    );
    expect([...parseAllowList(['[::1]:80', 'a:1'])]).toEqual([
      '[::1]:80',
      'a:1',
    ]);
  });
});

describe('checkDestination', () => {
  const dns: Record<string, string[]> = {
    'public.test': ['93.184.216.34', '2606:2800:220:1::1'],
    'rebind.test': ['93.184.216.34', '127.0.0.1'],
    'metadata.test': ['169.254.169.254'],
    'mapped.test': ['::ffff:10.0.0.5'],
    'registry.test': ['10.0.0.7'],
  };
  const lookup = async (host: string) => {
    if (!dns[host]) throw Object.assign(new Error('nx'), { code: 'ENOTFOUND' });
    return dns[host];
  };
  const check = (host: string, port: number, allow: string[] = []) =>
    checkDestination(host, port, parseAllowList(allow), lookup);

  it('lets a name through when every address it has is public', async () => {
    expect(await check('public.test', 443)).toEqual({
      ok: true,
      addresses: dns['public.test'],
    });
  });

  it('refuses a name with any private address, saying which', async () => {
    expect(await check('rebind.test', 443)).toEqual({
      ok: false,
      reason: 'rebind.test is 127.0.0.1 (loopback)',
    });
    expect(await check('metadata.test', 80)).toEqual({
      ok: false,
      reason: 'metadata.test is 169.254.169.254 (link-local)',
    });
    expect(await check('mapped.test', 80)).toEqual({
      ok: false,
      reason: 'mapped.test is ::ffff:10.0.0.5 (private)',
    });
    expect(await check('[::1]', 80)).toEqual({ ok: false, reason: 'loopback' });
    expect(await check('nowhere.test', 80)).toEqual({
      ok: false,
      reason: 'cannot resolve (ENOTFOUND)',
    });
  });

  it('lets allow-listed host:port through, on that port only', async () => {
    const allow = ['registry.test:4873', '127.0.0.1:7000'];
    expect(await check('registry.test', 4873, allow)).toEqual({
      ok: true,
      addresses: ['10.0.0.7'],
    });
    expect((await check('registry.test', 22, allow)).ok).toBe(false);
    expect((await check('127.0.0.1', 7000, allow)).ok).toBe(true);
    expect((await check('127.0.0.1', 7007, allow)).ok).toBe(false);
  });
});

describe('the egress proxy', () => {
  let target: http.Server;
  let targetPort: number;
  let closedPort: number;
  let proxy: EgressProxy;
  const refused: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    target = http.createServer((req, res) => {
      requests.push(`${req.method} ${req.url} host=${req.headers.host}`);
      res.end('from target');
    });
    await new Promise<void>(r => target.listen(0, '127.0.0.1', r));
    targetPort = (target.address() as net.AddressInfo).port;
    // A loopback port of the host that is not on the list (the backend's).
    const other = net.createServer();
    await new Promise<void>(r => other.listen(0, '127.0.0.1', r));
    closedPort = (other.address() as net.AddressInfo).port;
    other.close();
    proxy = await startEgressProxy({
      allow: [`127.0.0.1:${targetPort}`],
      onRefused: line => refused.push(line),
    });
  });
  afterAll(async () => {
    await proxy.close();
    target.close();
  });

  /** A CONNECT through the proxy's socket: the status line, and the tunnel. */
  const connectThrough = (authority: string) =>
    new Promise<{ status: string; socket: net.Socket; rest: string }>(
      (resolve, reject) => {
        const socket = net.connect(proxy.socket);
        let data = '';
        socket.on('error', reject);
        socket.write(
          `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`,
        );
        socket.on('data', function onData(c: Buffer) {
          data += c.toString();
          const end = data.indexOf('\r\n\r\n');
          if (end < 0) return;
          socket.off('data', onData);
          socket.on('end', () => {});
          resolve({
            status: data.split('\r\n')[0],
            socket,
            rest: data.slice(end + 4),
          });
        });
      },
    );

  it('tunnels CONNECT to an allow-listed local server', async () => {
    const { status, socket } = await connectThrough(`127.0.0.1:${targetPort}`);
    expect(status).toBe('HTTP/1.1 200 Connection Established');
    const body = await new Promise<string>(resolve => {
      let text = '';
      socket.on('data', c => {
        text += c;
        if (text.includes('from target')) resolve(text);
      });
      socket.write('GET /tunnel HTTP/1.1\r\nHost: t\r\n\r\n');
    });
    socket.destroy();
    expect(body).toMatch(/^HTTP\/1.1 200/);
    expect(requests).toContain('GET /tunnel host=t');
  });

  it('refuses CONNECT to a loopback port that is not listed, and logs it once', async () => {
    for (let i = 0; i < 2; i++) {
      const { status, rest, socket } = await connectThrough(
        `127.0.0.1:${closedPort}`,
      );
      socket.destroy();
      expect(status).toBe('HTTP/1.1 403 Forbidden');
      expect(rest).toContain(
        `egress to 127.0.0.1:${closedPort} refused: loopback`,
      );
    }
    expect(refused).toEqual([
      `egress to 127.0.0.1:${closedPort} refused: loopback`,
    ]);
  });

  it('forwards plain HTTP to allowed destinations and refuses the rest', async () => {
    const get = (url: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        http
          .get(
            {
              socketPath: proxy.socket,
              path: url,
              agent: false,
              headers: { host: url.split('/')[2] ?? 'proxy' },
            },
            res => {
              let body = '';
              res.on('data', c => (body += c));
              res.on('end', () => resolve({ status: res.statusCode!, body }));
            },
          )
          .on('error', reject);
      });
    expect(await get(`http://127.0.0.1:${targetPort}/plain?q=1`)).toEqual({
      status: 200,
      body: 'from target',
    });
    expect(requests).toContain(`GET /plain?q=1 host=127.0.0.1:${targetPort}`);
    const metadata = await get('http://169.254.169.254/latest/meta-data/');
    expect(metadata.status).toBe(403);
    expect(metadata.body).toBe(
      'egress to 169.254.169.254:80 refused: link-local\n',
    );
    expect(refused).toContain(
      'egress to 169.254.169.254:80 refused: link-local',
    );
    expect((await get('/not-a-proxy-request')).status).toBe(400);
    expect(await get('http://[::1]:9/')).toEqual({
      status: 403,
      body: 'egress to [::1]:9 refused: loopback\n',
    });
  });

  it('logs at most 100 refused destinations of one command', async () => {
    const lines: string[] = [];
    const capped = await startEgressProxy({
      allow: [],
      onRefused: line => lines.push(line),
    });
    try {
      for (let port = 1; port <= 102; port++) {
        await new Promise<void>(resolve => {
          const socket = net.connect(capped.socket);
          socket.on('data', () => {});
          socket.on('close', () => resolve());
          socket.write(`CONNECT 10.0.0.1:${port} HTTP/1.1\r\n\r\n`);
        });
      }
    } finally {
      await capped.close();
    }
    expect(lines).toHaveLength(101);
    expect(lines[99]).toBe('egress to 10.0.0.1:100 refused: private');
    expect(lines[100]).toBe(
      'more than 100 destinations refused: no more are logged',
    );
  });
});
