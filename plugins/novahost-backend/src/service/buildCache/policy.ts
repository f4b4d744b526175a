import type { DeploymentRow, ProjectRow } from '../../database/tables';

/**
 * Which entries of a project's build cache a deployment may restore, and
 * under which branch it may save one. The cache is written by the
 * project's own (untrusted) build code, so who may write what the next
 * build runs is the rule against cache poisoning:
 *
 * - production builds of the production branch restore and save its entries;
 * - a preview restores its branch's entries, else the production branch's
 *   (read-only), and saves only under its own branch, never the production
 *   branch (a pull request from it saves nothing);
 * - a commit deployed by SHA has no branch: it restores the production
 *   branch's entries and saves nothing;
 * - a pull request from a fork neither restores (an entry may hold what
 *   the project's secrets produced, and forks build without secrets) nor
 *   saves (its author is not trusted with the project's builds);
 * - a redeploy without cache restores nothing and saves a fresh entry.
 */
export type CachePolicy = {
  /** Branches whose entries may be restored, in order; empty: none. */
  restoreFrom: string[];
  /** Why nothing may be restored (for the build log). */
  noRestore?: string;
  /** The branch a successful build saves under; null: it saves nothing. */
  saveAs: string | null;
  /** Why nothing is saved (for the build log). */
  noSave?: string;
};

export function cachePolicy(
  row: Pick<DeploymentRow, 'target' | 'branch' | 'fork' | 'build_cache'>,
  project: Pick<ProjectRow, 'branch'>,
): CachePolicy {
  if (row.fork) {
    return {
      restoreFrom: [],
      noRestore:
        'pull requests from forks build without the cache (it may hold what the project secrets produced)',
      saveAs: null,
      noSave: 'a pull request from a fork never writes the cache',
    };
  }
  const production = project.branch;
  let policy: CachePolicy;
  if (row.target === 'production' && row.branch === production) {
    policy = { restoreFrom: [production], saveAs: production };
  } else if (row.branch === null) {
    policy = {
      restoreFrom: [production],
      saveAs: null,
      noSave:
        'a deployment of a commit by SHA has no branch to save the cache for',
    };
  } else if (row.branch === production) {
    policy = {
      restoreFrom: [production],
      saveAs: null,
      noSave: `a preview never writes the production branch's (${production}) cache`,
    };
  } else {
    policy = { restoreFrom: [row.branch, production], saveAs: row.branch };
  }
  if (!row.build_cache) {
    return {
      ...policy,
      restoreFrom: [],
      noRestore:
        'this deployment builds without the cache (redeploy without cache)',
    };
  }
  return policy;
}
