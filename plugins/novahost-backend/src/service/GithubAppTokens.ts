import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  GithubAppConfig,
  ScmIntegrationRegistry,
} from '@backstage/integration';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';

/** How long an installation id found for a repository is used without asking again. */
const INSTALLATION_TTL_MS = 5 * 60 * 1000;

/** A clone needs nothing else (metadata: read comes with every token). */
const CLONE_PERMISSIONS = { contents: 'read' } as const;

/** An installation token minted for one build. */
export type InstallationToken = {
  token: string;
  /** Epoch ms. */
  expiresAt: number;
  /** The API that issued it, where it is revoked. */
  apiBaseUrl: string;
};

/**
 * What `mint` found: a token, or why there is none: no app configured for
 * the host, none allowed to serve the owner (`allowedInstallationOwners`),
 * or none installed with access to the repository.
 */
export type MintResult =
  | { token: InstallationToken }
  | { missing: 'no-apps' | 'not-allowed' | 'not-installed' };

type App = { octokit: Octokit; config: GithubAppConfig };

const statusOf = (e: unknown) => (e as { status?: number })?.status;

/**
 * GitHub App installation tokens for one build's clone: each a new token
 * (never cached, never shared between builds), scoped to the one repository
 * with `contents: read`, from the app's installation that can read it, at
 * the integration's `apiBaseUrl` (GitHub Enterprise included). Only the
 * installation ids are cached, briefly. Backstage's
 * `DefaultGithubCredentialsProvider` is not used for this: its tokens carry
 * all of the app's permissions on all of the installation's repositories
 * and are shared for up to an hour.
 */
export class GithubAppTokens {
  private readonly apps = new Map<string, App>();
  /** `<apiBaseUrl> <appId> <owner>/<repo>` → installation id, until when. */
  private readonly installations = new Map<
    string,
    { id: number; until: number }
  >();

  constructor(
    private readonly integrations: ScmIntegrationRegistry,
    private readonly logger: LoggerService,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A new token for `owner/repo` on the GitHub host of `url` from the first
   * configured app installed with access to it. Throws when GitHub refuses
   * or does not answer (the message is GitHub's, without credentials).
   */
  async mint(url: URL, owner: string, repo: string): Promise<MintResult> {
    const config = this.integrations.github.byUrl(url)?.config;
    const configured = config?.apps ?? [];
    if (!config || !configured.length) return { missing: 'no-apps' };
    if (!config.apiBaseUrl) {
      throw new Error(`integrations.github for ${url.host} has no apiBaseUrl`);
    }
    const allowed = configured.filter(
      a =>
        !a.allowedInstallationOwners ||
        a.allowedInstallationOwners.some(
          o => o.toLowerCase() === owner.toLowerCase(),
        ),
    );
    if (!allowed.length) return { missing: 'not-allowed' };
    let failure: unknown;
    for (const appConfig of allowed) {
      const app = this.app(config.apiBaseUrl, appConfig);
      const key = `${config.apiBaseUrl} ${appConfig.appId} ${owner}/${repo}`;
      try {
        const installationId = await this.installationOf(app, key, owner, repo);
        if (installationId === undefined) continue;
        const auth = (await app.octokit.auth({
          type: 'installation',
          installationId,
          repositoryNames: [repo],
          permissions: CLONE_PERMISSIONS,
        })) as { token: string; expiresAt: string };
        return {
          token: {
            token: auth.token,
            expiresAt: Date.parse(auth.expiresAt),
            apiBaseUrl: config.apiBaseUrl,
          },
        };
      } catch (e) {
        // The installation may be gone or have lost the repository.
        this.installations.delete(key);
        failure ??= e;
      }
    }
    if (failure) throw failure;
    return { missing: 'not-installed' };
  }

  /**
   * Revokes `token` (`DELETE /installation/token`, authenticated with the
   * token itself). A token that expired or was revoked already is fine.
   */
  async revoke(token: InstallationToken): Promise<void> {
    if (token.expiresAt <= this.now()) return;
    const octokit = this.octokit(token.apiBaseUrl, { auth: token.token });
    try {
      await octokit.rest.apps.revokeInstallationAccessToken();
    } catch (e) {
      if (statusOf(e) !== 401) throw e;
    }
  }

  /** The installation of the app that can read `owner/repo`, if any (cached briefly). */
  private async installationOf(
    app: App,
    key: string,
    owner: string,
    repo: string,
  ): Promise<number | undefined> {
    const cached = this.installations.get(key);
    if (cached && cached.until > this.now()) return cached.id;
    this.installations.delete(key);
    let installation;
    try {
      ({ data: installation } = await app.octokit.rest.apps.getRepoInstallation(
        { owner, repo },
      ));
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
    if (installation.suspended_at || installation.suspended_by) {
      throw new Error(
        `the GitHub App's installation on ${owner} (app ${app.config.appId}) is suspended`,
      );
    }
    this.installations.set(key, {
      id: installation.id,
      until: this.now() + INSTALLATION_TTL_MS,
    });
    return installation.id;
  }

  private app(apiBaseUrl: string, config: GithubAppConfig): App {
    const key = `${apiBaseUrl} ${config.appId}`;
    let app = this.apps.get(key);
    if (!app) {
      const octokit = this.octokit(apiBaseUrl, {
        authStrategy: createAppAuth,
        auth: {
          appId: config.appId,
          privateKey: config.privateKey.replace(/\\n/gm, '\n'),
          // auth-app would keep the tokens and hand one to the next build.
          cache: { get: () => '', set: () => {} },
        },
      });
      app = { octokit, config };
      this.apps.set(key, app);
    }
    return app;
  }

  private octokit(
    baseUrl: string,
    options: ConstructorParameters<typeof Octokit>[0],
  ): Octokit {
    const warn = (m: string) => this.logger.warn(`GitHub API: ${m}`);
    return new Octokit({
      ...options,
      baseUrl: baseUrl.replace(/\/+$/, ''),
      userAgent: 'novahost',
      // Octokit would write its own warnings to the console.
      log: { debug: () => {}, info: () => {}, warn, error: warn },
    });
  }
}
