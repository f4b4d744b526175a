import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  DefaultGithubCredentialsProvider,
  GithubCredentialsProvider,
  ScmIntegrationRegistry,
  ScmIntegrations,
} from '@backstage/integration';
import { Octokit } from '@octokit/rest';

/** An Octokit for one repository, authenticated for it. */
export type GithubRepoApi = {
  octokit: Octokit;
  owner: string;
  repo: string;
  /** Whether requests carry a credential (else: public data only, no writes). */
  authenticated: boolean;
};

export type GithubApiOptions = {
  /** Retries of a request GitHub answered with 5xx or a rate limit (default 2). */
  retries?: number;
  /** The first retry's delay; each next one doubles it (default 1s). */
  retryDelayMs?: number;
  /** The longest `Retry-After` / rate-limit reset waited for (default 10s). */
  maxRetryWaitMs?: number;
};

/** `acme`, `site` of `https://github.com/acme/site.git`. */
export function ownerAndRepo(
  url: URL,
): { owner: string; repo: string } | undefined {
  const parts = decodeURIComponent(url.pathname)
    .replace(/^\/+|\/+$/g, '')
    .replace(/\.git$/i, '')
    .split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { owner: parts[0], repo: parts[1] };
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** How long to wait before retrying a failed request, or undefined: do not retry. */
function retryWait(
  error: unknown,
  attempt: number,
  o: Required<GithubApiOptions>,
): number | undefined {
  const status = (error as { status?: number })?.status;
  const headers: Record<string, string | undefined> =
    (error as { response?: { headers?: Record<string, string> } })?.response
      ?.headers ?? {};
  const limited =
    status === 429 ||
    (status === 403 &&
      (headers['retry-after'] !== undefined ||
        headers['x-ratelimit-remaining'] === '0'));
  if (!limited && !(status !== undefined && status >= 500)) return undefined;
  let wait = o.retryDelayMs * 2 ** attempt;
  const after = Number(headers['retry-after']);
  if (Number.isFinite(after) && after >= 0) wait = after * 1000;
  else if (limited && headers['x-ratelimit-reset']) {
    const reset = Number(headers['x-ratelimit-reset']) * 1000 - Date.now();
    if (Number.isFinite(reset)) wait = Math.max(reset, 0);
  }
  // A long rate limit is not waited out: the next change reports again.
  return wait > o.maxRetryWaitMs ? undefined : wait;
}

/**
 * GitHub's REST API for the repositories of the app's `integrations.github`
 * (a GitHub App installation or a token, through Backstage's credentials
 * provider), at each integration's `apiBaseUrl`. Requests answered with
 * 5xx or a short rate limit are retried a little.
 */
export class GithubApi {
  static fromConfig(
    config: Config,
    logger: LoggerService,
    options: GithubApiOptions = {},
  ): GithubApi {
    const integrations = ScmIntegrations.fromConfig(config);
    return new GithubApi(
      integrations,
      DefaultGithubCredentialsProvider.fromIntegrations(integrations),
      logger,
      options,
    );
  }

  private readonly options: Required<GithubApiOptions>;

  constructor(
    private readonly integrations: ScmIntegrationRegistry,
    private readonly credentials: GithubCredentialsProvider,
    private readonly logger: LoggerService,
    options: GithubApiOptions = {},
  ) {
    this.options = {
      retries: options.retries ?? 2,
      retryDelayMs: options.retryDelayMs ?? 1000,
      maxRetryWaitMs: options.maxRetryWaitMs ?? 10_000,
    };
  }

  /** Whether `repoUrl` is a repository on a configured GitHub integration with an API. */
  covers(repoUrl: string): boolean {
    const url = parseUrl(repoUrl);
    return Boolean(url && this.apiBaseUrl(url) && ownerAndRepo(url));
  }

  /**
   * An Octokit for `repoUrl`, authenticated with the integration's
   * credentials (none when it has neither an app installed on the owner nor
   * a token: public data only, see `authenticated`). Undefined when the
   * repository is on no GitHub integration (github.com always is one, as in
   * Backstage) or it has no `apiBaseUrl`. Throws when credentials cannot be
   * minted (a misconfigured GitHub App).
   */
  async forRepo(repoUrl: string): Promise<GithubRepoApi | undefined> {
    const url = parseUrl(repoUrl);
    if (!url) return undefined;
    const baseUrl = this.apiBaseUrl(url);
    const names = ownerAndRepo(url);
    if (!baseUrl || !names) return undefined;
    const { token } = await this.credentials.getCredentials({
      url: `${url.origin}/${names.owner}/${names.repo}`,
    });
    const octokit = new Octokit({
      baseUrl,
      auth: token,
      userAgent: 'novahost',
      // Octokit would write its own warnings to the console.
      log: {
        debug: () => {},
        info: () => {},
        warn: (m: string) => this.logger.warn(`GitHub API: ${m}`),
        error: (m: string) => this.logger.warn(`GitHub API: ${m}`),
      },
    });
    octokit.hook.wrap('request', async (request, options) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await request(options);
        } catch (e) {
          const wait =
            attempt < this.options.retries
              ? retryWait(e, attempt, this.options)
              : undefined;
          if (wait === undefined) throw e;
          await sleep(wait);
        }
      }
    });
    return { octokit, ...names, authenticated: Boolean(token) };
  }

  private apiBaseUrl(url: URL): string | undefined {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    return this.integrations.github
      .byUrl(url)
      ?.config.apiBaseUrl?.replace(/\/+$/, '');
  }
}

function parseUrl(repoUrl: string): URL | undefined {
  try {
    return new URL(repoUrl.trim());
  } catch {
    return undefined;
  }
}
