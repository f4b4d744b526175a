/**
 * Host routing. The backend's {@link RouteTable} is indexed once when it
 * arrives; {@link resolveTarget} is then a pure, synchronous lookup per
 * request, with no I/O.
 */
import {
  RouteProject,
  RouteTable,
  normalizeHost,
  siteLabel,
  splitDeploymentLabel,
} from '@internal/plugin-novahost-common';
import { parseRequestPath } from './paths';

/** A {@link RouteTable} prepared for lookups. */
export interface RoutingIndex {
  readonly baseDomain: string;
  readonly table: RouteTable;
  readonly bySlug: ReadonlyMap<string, RouteProject>;
  /** Verified custom domains → their project. */
  readonly byDomain: ReadonlyMap<string, RouteProject>;
  /** Branch alias labels → their project and deployment. */
  readonly byAlias: ReadonlyMap<
    string,
    { project: RouteProject; deploymentId: string }
  >;
}

export interface SiteTarget {
  project: RouteProject;
  deploymentId: string;
  /**
   * `production` for `<slug>.<base>`, `alias` for a branch alias
   * `<slug>-git-<branch>.<base>`, `deployment` for `<slug>-<shortId>.<base>`.
   */
  via: 'production' | 'alias' | 'deployment';
  /** Decoded request path without the leading slash (see parseRequestPath). */
  path: string;
}

export type ResolveResult =
  | { ok: true; target: SiteTarget }
  | {
      ok: false;
      code:
        | 'unknown_host'
        | 'no_production_deployment'
        | 'unknown_deployment'
        | 'bad_request';
    };

/** Indexes a table for {@link resolveTarget}. */
export function buildRoutingIndex(
  table: RouteTable,
  baseDomain: string,
): RoutingIndex {
  const bySlug = new Map<string, RouteProject>();
  const byDomain = new Map<string, RouteProject>();
  const byAlias = new Map<
    string,
    { project: RouteProject; deploymentId: string }
  >();
  for (const project of table.projects) {
    bySlug.set(project.slug.toLowerCase(), project);
    for (const domain of project.domains ?? []) {
      byDomain.set(domain.toLowerCase(), project);
    }
    for (const alias of project.aliases ?? []) {
      byAlias.set(alias.label, { project, deploymentId: alias.deploymentId });
    }
  }
  return { baseDomain, table, bySlug, byDomain, byAlias };
}

/**
 * Resolves a request to the deployment that serves it.
 *
 * `<slug>.<base>` is the project's production deployment, a branch alias
 * label the branch's newest ready deployment and `<slug>-<shortId>.<base>`
 * one of its ready deployments; a project slug wins over an alias, and an
 * alias over a `<slug>-<shortId>` split (the backend keeps them apart).
 * The host is matched case-insensitively, ignoring port and trailing dot.
 */
export function resolveTarget(
  index: RoutingIndex,
  host: string | undefined,
  rawPath: string | undefined,
): ResolveResult {
  const normalized = normalizeHost(host);
  let project: RouteProject | undefined;
  let deploymentId: string | undefined;
  let via: SiteTarget['via'];

  const custom = normalized ? index.byDomain.get(normalized) : undefined;
  const label = custom ? undefined : siteLabel(normalized, index.baseDomain);
  if (!custom && !label) return { ok: false, code: 'unknown_host' };

  const exact = custom ?? index.bySlug.get(label!);
  const alias = exact ? undefined : index.byAlias.get(label!);
  if (alias) {
    project = alias.project;
    deploymentId = alias.deploymentId;
    via = 'alias';
  } else if (exact) {
    if (!exact.productionDeploymentId) {
      return { ok: false, code: 'no_production_deployment' };
    }
    project = exact;
    deploymentId = exact.productionDeploymentId;
    via = 'production';
  } else {
    const split = splitDeploymentLabel(label!);
    if (!split) return { ok: false, code: 'unknown_host' };
    project = index.bySlug.get(split.slug);
    if (!project) return { ok: false, code: 'unknown_host' };
    deploymentId = project.deployments.find(
      d => d.shortId.toLowerCase() === split.shortId,
    )?.id;
    if (!deploymentId) return { ok: false, code: 'unknown_deployment' };
    via = 'deployment';
  }

  const parsed = parseRequestPath(rawPath);
  if (!parsed.ok) return { ok: false, code: parsed.code };
  return {
    ok: true,
    target: { project, deploymentId, via, path: parsed.path },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates untrusted JSON (from the network or the cache file) as a
 * {@link RouteTable}. Throws a descriptive error when it is not one.
 */
export function parseRouteTable(value: unknown): RouteTable {
  if (!isObject(value)) throw new Error('route table is not an object');
  const { version, generatedAt, projects } = value;
  if (typeof version !== 'number' || !Number.isFinite(version)) {
    throw new Error('route table has no numeric version');
  }
  if (!Array.isArray(projects)) {
    throw new Error('route table has no projects array');
  }
  const parsed: RouteProject[] = projects.map((p, i) => {
    if (!isObject(p)) throw new Error(`projects[${i}] is not an object`);
    if (typeof p.id !== 'string' || typeof p.slug !== 'string' || !p.slug) {
      throw new Error(`projects[${i}] has no id or slug`);
    }
    if (
      p.productionDeploymentId !== undefined &&
      p.productionDeploymentId !== null &&
      typeof p.productionDeploymentId !== 'string'
    ) {
      throw new Error(`projects[${i}].productionDeploymentId is invalid`);
    }
    const deployments = p.deployments ?? [];
    if (!Array.isArray(deployments)) {
      throw new Error(`projects[${i}].deployments is not an array`);
    }
    const aliases = p.aliases ?? [];
    if (
      !Array.isArray(aliases) ||
      !aliases.every(
        a =>
          isObject(a) &&
          typeof a.label === 'string' &&
          typeof a.deploymentId === 'string',
      )
    ) {
      throw new Error(`projects[${i}].aliases is invalid`);
    }
    const domains = p.domains ?? [];
    if (
      !Array.isArray(domains) ||
      !domains.every(d => typeof d === 'string' && normalizeHost(d) === d)
    ) {
      throw new Error(`projects[${i}].domains is invalid`);
    }
    return {
      id: p.id,
      slug: p.slug,
      spa: p.spa === true,
      domains: domains as string[],
      aliases: (aliases as Array<{ label: string; deploymentId: string }>).map(
        a => ({ label: a.label, deploymentId: a.deploymentId }),
      ),
      productionDeploymentId: p.productionDeploymentId ?? null,
      deployments: deployments.map((d: unknown, j: number) => {
        if (
          !isObject(d) ||
          typeof d.id !== 'string' ||
          typeof d.shortId !== 'string'
        ) {
          throw new Error(`projects[${i}].deployments[${j}] is invalid`);
        }
        return { id: d.id, shortId: d.shortId };
      }),
    };
  });
  return {
    version,
    generatedAt: typeof generatedAt === 'string' ? generatedAt : '',
    projects: parsed,
  };
}
