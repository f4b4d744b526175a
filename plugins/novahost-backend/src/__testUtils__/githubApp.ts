import crypto from 'crypto';
import http from 'http';
import { AddressInfo } from 'net';

/**
 * The part of GitHub's REST API a GitHub App uses to get installation
 * tokens, over real HTTP: `GET /app/installations` and `POST
 * /app/installations/:id/access_tokens`, both only with a JWT signed by
 * the app's private key (checked against its public key). The app is
 * installed on `owners`; the tokens it issues are recorded.
 */
export type FakeGithubApp = {
  /** For `integrations.github[].apiBaseUrl`. */
  apiBaseUrl: string;
  /** For `integrations.github[].apps[]`. */
  appConfig: {
    appId: number;
    privateKey: string;
    clientId: string;
    clientSecret: string;
    webhookSecret: string;
  };
  /** Every installation token issued, in order. */
  issued: string[];
  /** Requests refused for a missing or bad JWT. */
  refused: number;
  close(): Promise<void>;
};

const APP_ID = 4242;

function validJwt(header: string | undefined, publicKey: crypto.KeyObject) {
  const m = /^Bearer\s+([\w-]+)\.([\w-]+)\.([\w-]+)$/i.exec(header ?? '');
  if (!m) return false;
  const signed = crypto.verify(
    'RSA-SHA256',
    Buffer.from(`${m[1]}.${m[2]}`),
    publicKey,
    Buffer.from(m[3], 'base64url'),
  );
  if (!signed) return false;
  const claims = JSON.parse(Buffer.from(m[2], 'base64url').toString('utf8'));
  const now = Date.now() / 1000;
  return String(claims.iss) === String(APP_ID) && claims.exp > now;
}

export async function startFakeGithubApp(options: {
  /** Accounts (users or organizations) the app is installed on. */
  owners: string[];
  /** The next installation token (default: a fresh `ghs_` token). */
  mint?: () => string;
}): Promise<FakeGithubApp> {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
  });
  const installations = options.owners.map((login, i) => ({
    id: 100 + i,
    account: { login, type: 'Organization' },
    suspended_by: null,
  }));
  const state = { issued: [] as string[], refused: 0 };
  const mint =
    options.mint ?? (() => `ghs_${crypto.randomBytes(18).toString('hex')}`);

  const server = http.createServer((req, res) => {
    req.resume();
    const json = (status: number, body: unknown) =>
      res
        .writeHead(status, { 'Content-Type': 'application/json' })
        .end(JSON.stringify(body));
    if (!validJwt(req.headers.authorization, publicKey)) {
      state.refused++;
      json(401, { message: 'A JSON web token could not be decoded' });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/api/v3/app/installations') {
      json(200, installations);
      return;
    }
    const m = /^\/api\/v3\/app\/installations\/(\d+)\/access_tokens$/.exec(
      url.pathname,
    );
    if (req.method === 'POST' && m) {
      if (!installations.some(i => i.id === Number(m[1]))) {
        json(404, { message: 'Not Found' });
        return;
      }
      const token = mint();
      state.issued.push(token);
      json(201, {
        token,
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        permissions: { contents: 'read', metadata: 'read' },
        repository_selection: 'all',
      });
      return;
    }
    json(404, { message: 'Not Found' });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    apiBaseUrl: `http://127.0.0.1:${port}/api/v3`,
    appConfig: {
      appId: APP_ID,
      privateKey: privateKey
        .export({ type: 'pkcs1', format: 'pem' })
        .toString(),
      clientId: 'Iv1.novahosttest',
      clientSecret: 'novahost-test-client-secret',
      webhookSecret: 'novahost-test-webhook-secret',
    },
    get issued() {
      return state.issued;
    },
    get refused() {
      return state.refused;
    },
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
