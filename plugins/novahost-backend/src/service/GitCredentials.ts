import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  ScmIntegrationRegistry,
  ScmIntegrations,
} from '@backstage/integration';
import type { RepoAccess, RepoCredential } from '@internal/build-runner';
import { isTerminalStatus } from '@internal/plugin-novahost-common';
import type { DeploymentRow } from '../database/tables';
import { GithubAppTokens, InstallationToken } from './GithubAppTokens';
import { redact } from './redact';

/**
 * How long a credential handed to a build stays on the redaction list:
 * longer than it lives (GitHub App tokens: one hour) and than a build runs.
 */
const REMEMBER_MS = 3 * 60 * 60 * 1000;

/** `acme/site` of `https://github.com/acme/site.git`. */
const repoPath = (url: URL) =>
  decodeURIComponent(url.pathname)
    .replace(/^\/+|\/+$/g, '')
    .replace(/\.git$/i, '');

const basic = (c: RepoCredential) =>
  Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64');

/** What one build was handed, until its deployment ends. */
type BuildAccess = {
  repoUrl: string;
  access: Promise<RepoAccess | undefined>;
  /** Its GitHub App token, revoked when the deployment ends. */
  token?: InstallationToken;
  /** When to forget it should this replica never see the end. */
  until: number;
};

/**
 * Clone credentials from the app's `integrations` config (Backstage's own
 * keys): for GitHub a new GitHub App installation token per build, scoped
 * to the repository with `contents: read` (GithubAppTokens), or the
 * integration's token; the token of GitLab and Bitbucket. A build's clone
 * step gets them through the build spec, minted when it asks; they are
 * never stored. A build's app token is revoked when its deployment ends
 * (`deploymentChanged`, on the replica that minted it; elsewhere it expires
 * within the hour). Every credential handed out, and every one configured,
 * is on the list of secrets stored log lines are masked with.
 */
export class GitCredentials {
  static fromConfig(config: Config, logger: LoggerService): GitCredentials {
    return new GitCredentials(ScmIntegrations.fromConfig(config), logger);
  }

  private readonly appTokens: GithubAppTokens;
  /** Secrets of handed-out credentials → until when to mask them. */
  private readonly handedOut = new Map<string, number>();
  /** Deployment id → what its build was handed. */
  private readonly builds = new Map<string, BuildAccess>();

  constructor(
    private readonly integrations: ScmIntegrationRegistry,
    private readonly logger: LoggerService,
    private readonly now: () => number = Date.now,
  ) {
    this.appTokens = new GithubAppTokens(integrations, logger, now);
  }

  /**
   * What the clone step of deployment `deploymentId`, a build of `repoUrl`,
   * gets: the credential when the integrations have one, and the line that
   * names the host and what to configure should the host refuse. Minted
   * once per deployment (its spec may be fetched again, by the Kubernetes
   * publish container). Undefined for local repositories. Never throws: a
   * repository may be public, so a build without a credential still tries.
   */
  forRepo(
    repoUrl: string,
    deploymentId?: string,
  ): Promise<RepoAccess | undefined> {
    if (deploymentId === undefined) return this.mint(repoUrl);
    this.forgetExpired();
    const known = this.builds.get(deploymentId);
    if (known?.repoUrl === repoUrl) return known.access;
    if (known) void this.release(deploymentId);
    const build: BuildAccess = {
      repoUrl,
      until: this.now() + REMEMBER_MS,
      access: this.mint(repoUrl, token => {
        build.token = token;
        build.until = token.expiresAt;
      }),
    };
    this.builds.set(deploymentId, build);
    return build.access;
  }

  /**
   * Follows deployments (DeploymentStateMachine.onChange): once one has
   * ended, the GitHub App token its build got is revoked.
   */
  async deploymentChanged(row: DeploymentRow): Promise<void> {
    if (isTerminalStatus(row.status)) await this.release(row.id);
  }

  /** Forgets a build's credential and revokes its GitHub App token. */
  async release(deploymentId: string): Promise<void> {
    const build = this.builds.get(deploymentId);
    if (!build) return;
    this.builds.delete(deploymentId);
    await build.access;
    if (!build.token) return;
    try {
      await this.appTokens.revoke(build.token);
    } catch (e) {
      const why = redact(String((e as Error)?.message ?? e), this.secrets());
      this.logger.warn(
        `Could not revoke the GitHub App token of deployment ${deploymentId} (it expires within the hour): ${why}`,
      );
    }
  }

  private async mint(
    repoUrl: string,
    onAppToken?: (token: InstallationToken) => void,
  ): Promise<RepoAccess | undefined> {
    let url: URL;
    try {
      url = new URL(repoUrl);
    } catch {
      return undefined;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      return undefined;
    }
    const access = await this.accessTo(url, onAppToken);
    if (access.credential) this.remember(access.credential);
    return access;
  }

  /** Builds whose end this replica did not see, after their token expired. */
  private forgetExpired() {
    const now = this.now();
    for (const [id, build] of this.builds) {
      if (build.until < now) this.builds.delete(id);
    }
  }

  /**
   * Whether `repoUrl` may be plain http://: only on a host whose
   * integration the operator configured with an http:// URL (a Git server
   * of their own), never where credentials would cross the internet unencrypted.
   */
  allowsPlainHttp(repoUrl: string): boolean {
    let url: URL;
    try {
      url = new URL(repoUrl);
    } catch {
      return false;
    }
    if (url.protocol !== 'http:') return false;
    const plain = (u?: string) => Boolean(u?.startsWith('http:'));
    const i = this.integrations;
    return (
      plain(i.github.byUrl(url)?.config.apiBaseUrl) ||
      plain(i.gitlab.byUrl(url)?.config.baseUrl) ||
      plain(i.bitbucketServer.byUrl(url)?.config.apiBaseUrl)
    );
  }

  /**
   * What stored lines are masked with: the configured tokens and passwords
   * of the integrations, and the credentials handed to recent builds (on
   * any replica, GitHub App tokens are also masked by their `ghs_` shape).
   */
  secrets(): string[] {
    const now = this.now();
    for (const [secret, until] of this.handedOut) {
      if (until < now) this.handedOut.delete(secret);
    }
    const i = this.integrations;
    const configured = [
      ...i.github.list().map(g => g.config.token),
      ...i.gitlab.list().map(g => g.config.token),
      ...i.bitbucketCloud
        .list()
        .flatMap(b => [b.config.appPassword, b.config.token]),
      ...i.bitbucketServer
        .list()
        .flatMap(b => [b.config.token, b.config.password]),
    ];
    return [
      ...configured.filter((s): s is string => Boolean(s)),
      ...this.handedOut.keys(),
    ];
  }

  private remember(credential: RepoCredential) {
    const until = this.now() + REMEMBER_MS;
    this.handedOut.set(credential.password, until);
    this.handedOut.set(basic(credential), until);
  }

  private async accessTo(
    url: URL,
    onAppToken?: (token: InstallationToken) => void,
  ): Promise<RepoAccess> {
    const { host } = url;
    const path = repoPath(url);
    const i = this.integrations;
    if (i.github.byUrl(url)) return this.githubAccess(url, path, onAppToken);
    const none = `${host}: no credentials for ${path}; add`;
    const gitlab = i.gitlab.byUrl(url)?.config;
    if (gitlab) {
      return gitlab.token
        ? this.refusable({ username: 'oauth2', password: gitlab.token }, url)
        : { hint: `${none} a token to integrations.gitlab for ${host}` };
    }
    const cloud = i.bitbucketCloud.byUrl(url)?.config;
    if (cloud) {
      if (cloud.username && cloud.appPassword) {
        const { username, appPassword: password } = cloud;
        return this.refusable({ username, password }, url);
      }
      return cloud.token
        ? this.refusable(
            { username: 'x-token-auth', password: cloud.token },
            url,
          )
        : {
            hint: `${none} a token, or username and appPassword, to integrations.bitbucketCloud`,
          };
    }
    const server = i.bitbucketServer.byUrl(url)?.config;
    if (server) {
      const password = server.token ?? server.password;
      return server.username && password
        ? this.refusable({ username: server.username, password }, url)
        : {
            hint: `${none} username and token (an HTTP access token) to integrations.bitbucketServer for ${host}`,
          };
    }
    const other = i.byUrl(url);
    if (other) {
      return {
        hint: `${none} integrations.github, gitlab, bitbucketCloud or bitbucketServer for ${host}: Novahost does not clone with ${other.type} integrations`,
      };
    }
    return {
      hint: `${none} an integration for ${host} (integrations.github with a GitHub App or a token; integrations.gitlab, bitbucketCloud or bitbucketServer with a token)`,
    };
  }

  private refusable(credential: RepoCredential, url: URL): RepoAccess {
    const type = this.integrations.byUrl(url)?.type;
    return {
      credential,
      hint: `${
        url.host
      } refused the credentials of integrations.${type} for ${repoPath(
        url,
      )}; check that they can read it`,
    };
  }

  private async githubAccess(
    url: URL,
    path: string,
    onAppToken?: (token: InstallationToken) => void,
  ): Promise<RepoAccess> {
    const { host } = url;
    const config = this.integrations.github.byUrl(url)!.config;
    const [owner, repo] = path.split('/');
    const none = `${host}: no credentials for ${path}`;
    let minted: Awaited<ReturnType<GithubAppTokens['mint']>>;
    try {
      minted = await this.appTokens.mint(url, owner, repo ?? '');
    } catch (e) {
      const why = redact(String((e as Error)?.message ?? e), this.secrets());
      this.logger.warn(
        `No GitHub App token for ${host}/${path} from integrations.github: ${why}`,
      );
      return {
        hint: `${none}; integrations.github could not mint a GitHub App token at ${config.apiBaseUrl}: ${why}`,
      };
    }
    if ('token' in minted) {
      onAppToken?.(minted.token);
      return {
        credential: {
          username: 'x-access-token',
          password: minted.token.token,
        },
        hint: `${host} refused the GitHub App token of integrations.github for ${path}; give the app access to ${path} (Contents: read)`,
      };
    }
    if (config.token) {
      return {
        credential: { username: 'x-access-token', password: config.token },
        hint: `${host} refused the token of integrations.github for ${path}; give it read access to ${path}`,
      };
    }
    const hints = {
      'no-apps': `${none}; add integrations.github with a GitHub App installed on ${path} or a token`,
      'not-allowed': `${none}; ${owner} is not in allowedInstallationOwners of the GitHub Apps of integrations.github: add it, or add a token`,
      'not-installed': `${none}; the GitHub App of integrations.github is not installed on ${owner} with access to ${path}: install it there, or add a token`,
    };
    return { hint: hints[minted.missing] };
  }
}
