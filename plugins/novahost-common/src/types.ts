/** Every state a deployment can be in. Terminal states never change again. */
export const DEPLOYMENT_STATUSES = [
  'queued',
  'building',
  'uploading',
  'ready',
  'failed',
  'canceled',
] as const;

/** @public */
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/** @public */
export const TERMINAL_STATUSES: ReadonlyArray<DeploymentStatus> = [
  'ready',
  'failed',
  'canceled',
];

/** @public */
export function isTerminalStatus(status: DeploymentStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** @public */
export const DEPLOYMENT_TARGETS = ['production', 'preview'] as const;

/**
 * `production`: built from the production branch (promoted automatically
 * when the project auto-promotes); `preview`: any other branch or a pull
 * request, served at its branch alias and never promoted automatically.
 * @public
 */
export type DeploymentTarget = (typeof DEPLOYMENT_TARGETS)[number];

/** What started a deployment. @public */
export type DeploymentSource = 'manual' | 'push' | 'pull_request' | 'redeploy';

/** A Novahost project as the REST API returns it. @public */
export interface Project {
  id: string;
  name: string;
  /** DNS-safe label; the production site is served at `<slug>.<base-domain>`. */
  slug: string;
  repoUrl: string;
  branch: string;
  rootDirectory: string;
  installCommand: string | null;
  buildCommand: string | null;
  outputDirectory: string | null;
  /**
   * The owning group or user, as a full lower-case entity ref such as
   * `group:default/team-a`; null for a project created before owners were
   * checked (only admins manage it).
   */
  owner: string | null;
  /**
   * The catalog entity the project belongs to (set when a template created
   * it); while set, `owner` follows the entity's `spec.owner`.
   */
  entityRef: string | null;
  /** Serve `index.html` (200) for unknown paths instead of `404.html` (404). */
  spa: boolean;
  /** Promote every production-branch deployment that becomes ready. */
  autoPromote: boolean;
  /**
   * Repository paths (prefixes) a push must touch to deploy; empty: the
   * root directory (the whole repository when that is the root).
   */
  watchPaths: string[];
  /** Build previews of pull requests from forks (never with secrets). */
  allowForkPreviews: boolean;
  productionDeploymentId: string | null;
  /** The production URL, e.g. `http://my-site.localhost:8080`. */
  url: string;
  createdAt: string;
  updatedAt: string;
  /** The most recent deployment (list responses only). */
  latestDeployment?: Deployment | null;
}

/** A custom domain of a project. @public */
export interface Domain {
  hostname: string;
  projectId: string;
  /** Verified domains route to the project's production deployment. */
  verified: boolean;
  verifiedAt: string | null;
  createdAt: string;
  /** The DNS record that proves control of the domain. */
  verification: { type: 'TXT'; name: string; value: string };
}

/** @public */
export interface DeploymentStats {
  files: number;
  bytes: number;
  /** Blobs this deployment had to upload (content not stored before). */
  newBlobs: number;
  newBytes: number;
}

/** A deployment as the REST API returns it. @public */
export interface Deployment {
  id: string;
  /** Short id used in the immutable per-deployment host name. */
  shortId: string;
  projectId: string;
  ref: string;
  commitSha: string | null;
  target: DeploymentTarget;
  /** The branch built; null for a commit deployed by SHA. */
  branch: string | null;
  /** The pull request this preview was built for. */
  pullRequest: { number: number; fork: boolean } | null;
  source: DeploymentSource;
  /**
   * The branch's stable alias `<slug>-git-<branch>.<base-domain>`, which
   * serves the branch's newest ready deployment; null without a branch.
   */
  aliasUrl: string | null;
  status: DeploymentStatus;
  error: string | null;
  exitCode: number | null;
  createdBy: string | null;
  /** The immutable per-deployment URL: `<slug>-<shortId>.<base-domain>`. */
  url: string;
  isProduction: boolean;
  stats: DeploymentStats | null;
  /**
   * The framework the build detected (an id like `vite` or `nextjs`, see
   * {@link frameworkName}); null for a plain site or before the build ran.
   */
  framework: string | null;
  createdAt: string;
  startedAt: string | null;
  uploadingAt: string | null;
  finishedAt: string | null;
}

/** @public */
export interface Page<T> {
  items: T[];
  totalCount: number;
  limit: number;
  offset: number;
}

/** One build log line, as stored and streamed. `seq` is per deployment, from 1, gap-free per writer. @public */
export interface LogLine {
  seq: number;
  /** ISO timestamp of when the build program saw the line. */
  ts: string;
  stream: 'stdout' | 'stderr' | 'system';
  text: string;
}

/**
 * How to point a repository's webhook at Novahost, and whether deliveries
 * arrive (`GET /projects/:id/webhook`). @public
 */
export interface WebhookStatus {
  /** The events endpoint to enter as the webhook's Payload URL. */
  url: string;
  /** The GitHub events to subscribe to. */
  events: string[];
  contentType: 'application/json';
  /** Where the shared secret is configured (never the secret itself). */
  secretConfigKey: string;
  secretConfigured: boolean;
  /** `host/owner/name` the deliveries are matched by; null for local repositories. */
  repoKey: string | null;
  /** The newest delivery for the repository, with what Novahost did with it. */
  lastDelivery: {
    id: string;
    event: string;
    receivedAt: string;
    outcome: string | null;
  } | null;
}

/**
 * A project's environment variable as the API lists it
 * (`GET /projects/:id/env`). A secret's value is write-only: the list says
 * that it is set and when it changed, never what it is. @public
 */
export interface EnvVar {
  /** A POSIX name; the same name may have another value for the other target. */
  name: string;
  /** The deployments that get it. */
  targets: DeploymentTarget[];
  secret: boolean;
  /** Plain variables only. */
  value?: string;
  updatedAt: string;
  /** Who changed it last (a user or service ref). */
  updatedBy: string | null;
}
