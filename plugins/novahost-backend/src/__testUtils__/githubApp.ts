import crypto from 'crypto';
import http from 'http';
import { readJson, sendJson, startJsonServer } from './jsonHttp';

/** One `POST /app/installations/:id/access_tokens` that issued a token. */
export type TokenRequest = {
  installationId: number;
  /** The body's `repositories` (names), when the token was scoped. */
  repositories?: string[];
  /** The body's `permissions`, when the token was scoped. */
  permissions?: Record<string, string>;
  token: string;
};

/**
 * The part of GitHub's REST API a GitHub App uses to get installation
 * tokens, over real HTTP at `/api/v3` (GitHub Enterprise's layout):
 * `GET /app/installations`, `GET /repos/:owner/:repo/installation` and
 * `POST /app/installations/:id/access_tokens`, only with a JWT signed by
 * the app's private key (checked against its public key), and `DELETE
 * /installation/token` with the installation token it revokes. The app is
 * installed on `owners`; each token request, with the scope it asked for,
 * and each token revoked is recorded.
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
  /** Every token request that issued one, in order. */
  tokenRequests: TokenRequest[];
  /** Tokens revoked through `DELETE /installation/token`, in order. */
  revoked: string[];
  /** Installation look-ups (`/app/installations`, `/repos/…/installation`). */
  lookups: number;
  /** Requests refused for a missing or bad JWT. */
  refused: number;
  /** Whether `token` was issued here and is neither revoked nor expired. */
  valid(token: string | undefined): boolean;
  close(): Promise<void>;
};

const APP_ID = 4242;
const TOKEN_TTL_MS = 3600_000;

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
  const state = {
    issued: [] as string[],
    tokenRequests: [] as TokenRequest[],
    revoked: [] as string[],
    lookups: 0,
    refused: 0,
  };
  const expiry = new Map<string, number>();
  const valid = (token: string | undefined) =>
    token !== undefined &&
    (expiry.get(token) ?? 0) > Date.now() &&
    !state.revoked.includes(token);
  const mint =
    options.mint ?? (() => `ghs_${crypto.randomBytes(18).toString('hex')}`);

  const handle = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ) => {
    const json = (status: number, body?: unknown) =>
      sendJson(res, status, body);
    const url = new URL(req.url ?? '/', 'http://x');
    const route = `${req.method} ${url.pathname.replace(/^\/api\/v3/, '')}`;

    // The one route an installation token authenticates: revoking itself.
    if (route === 'DELETE /installation/token') {
      req.resume();
      const token = /^(?:token|bearer)\s+(\S+)$/i.exec(
        req.headers.authorization ?? '',
      )?.[1];
      if (!valid(token)) {
        json(401, { message: 'Bad credentials' });
        return;
      }
      state.revoked.push(token!);
      json(204);
      return;
    }
    if (!validJwt(req.headers.authorization, publicKey)) {
      req.resume();
      state.refused++;
      json(401, { message: 'A JSON web token could not be decoded' });
      return;
    }
    if (route === 'GET /app/installations') {
      req.resume();
      state.lookups++;
      json(200, installations);
      return;
    }
    const repo = /^GET \/repos\/([^/]+)\/([^/]+)\/installation$/.exec(route);
    if (repo) {
      req.resume();
      state.lookups++;
      const owner = repo[1].toLowerCase();
      const found = installations.find(
        i => i.account.login.toLowerCase() === owner,
      );
      json(found ? 200 : 404, found ?? { message: 'Not Found' });
      return;
    }
    const m = /^POST \/app\/installations\/(\d+)\/access_tokens$/.exec(route);
    if (m) {
      const body = await readJson(req);
      const installationId = Number(m[1]);
      if (!installations.some(i => i.id === installationId)) {
        json(404, { message: 'Not Found' });
        return;
      }
      const token = mint();
      state.issued.push(token);
      expiry.set(token, Date.now() + TOKEN_TTL_MS);
      const names: string[] | undefined = body.repositories;
      state.tokenRequests.push({
        installationId,
        ...(names ? { repositories: names } : {}),
        ...(body.permissions ? { permissions: body.permissions } : {}),
        token,
      });
      json(201, {
        token,
        expires_at: new Date(Date.now() + TOKEN_TTL_MS).toISOString(),
        permissions: body.permissions ?? {
          contents: 'write',
          metadata: 'read',
          statuses: 'write',
          pull_requests: 'write',
        },
        repository_selection: names ? 'selected' : 'all',
        ...(names
          ? { repositories: names.map((name, i) => ({ id: 1000 + i, name })) }
          : {}),
      });
      return;
    }
    req.resume();
    json(404, { message: 'Not Found' });
  };

  const server = await startJsonServer(handle);
  return {
    apiBaseUrl: `${server.origin}/api/v3`,
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
    get tokenRequests() {
      return state.tokenRequests;
    },
    get revoked() {
      return state.revoked;
    },
    get lookups() {
      return state.lookups;
    },
    get refused() {
      return state.refused;
    },
    valid,
    close: server.close,
  };
}
