import {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  errorMessage,
  NovahostClient,
  Project,
} from '@internal/plugin-novahost-common';

/** The Novahost API as an action run uses it. */
export interface ActionNovahostApi {
  client: NovahostClient;
  /**
   * For the task log: a call the backend refused becomes an error naming
   * the call and giving the backend's reason; other errors pass unchanged.
   */
  describeError(error: unknown): unknown;
}

/**
 * The common client, sending a plugin-to-plugin token issued on behalf of
 * the task's initiator (so the backend knows who created the project).
 */
export function novahostApiFor(options: {
  discovery: DiscoveryService;
  auth: AuthService;
  credentials: BackstageCredentials;
  /** First pause before reconnecting the log stream. */
  retryDelayMs?: number;
}): ActionNovahostApi {
  const { discovery, auth, credentials } = options;
  // The call each answer belongs to: a ResponseError keeps the answer only.
  const calls = new WeakMap<object, string>();
  const fetchWithToken: typeof fetch = async (input, init) => {
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf: credentials,
      targetPluginId: 'novahost',
    });
    const headers = new Headers(init?.headers);
    headers.set('Authorization', `Bearer ${token}`);
    const res = await fetch(input, { ...init, headers });
    if (!res.ok) {
      const url = String(input instanceof Request ? input.url : input);
      const base = await discovery.getBaseUrl('novahost');
      const path = url.startsWith(base) ? url.slice(base.length) : url;
      calls.set(res, `${init?.method ?? 'GET'} ${path}`);
    }
    return res;
  };
  return {
    client: new NovahostClient({
      discoveryApi: discovery,
      fetchApi: { fetch: fetchWithToken },
      retryDelayMs: options.retryDelayMs,
    }),
    describeError(error) {
      if (!(error instanceof ResponseError)) return error;
      const call = calls.get(error.response) ?? 'request';
      return new Error(`Novahost ${call} failed: ${errorMessage(error)}`, {
        cause: error,
      });
    },
  };
}

/** The project, or undefined when none has that id or slug. */
export async function findProject(
  client: NovahostClient,
  idOrSlug: string,
): Promise<Project | undefined> {
  try {
    return await client.getProject(idOrSlug);
  } catch (e) {
    if (e instanceof ResponseError && e.statusCode === 404) return undefined;
    throw e;
  }
}
