/**
 * The routing table the backend publishes and the proxy serves from. The
 * backend sends the whole table on every change (it is small: one entry per
 * project), so the proxy never needs a per-request lookup or a diff protocol.
 */

/** @public */
export interface RouteProject {
  id: string;
  slug: string;
  spa: boolean;
  productionDeploymentId: string | null;
  /** Every ready deployment of the project, reachable at `<slug>-<shortId>`. */
  deployments: Array<{ id: string; shortId: string }>;
  /** Verified custom domains serving the production deployment. */
  domains?: string[];
  /** Branch aliases: `<label>.<base>` serves the branch's newest ready deployment. */
  aliases?: Array<{ label: string; deploymentId: string }>;
}

/** @public */
export interface RouteTable {
  /** Increases with every change; the proxy ignores older tables. */
  version: number;
  generatedAt: string;
  projects: RouteProject[];
}
