import { LoggerService } from '@backstage/backend-plugin-api';
import { RouteTable } from '@internal/plugin-novahost-common';
import { EventBus } from '../bus';
import { NovahostDatabase } from '../database/NovahostDatabase';
import { ROUTES_CHANNEL } from './channels';

/** How often the table is rebuilt from the database, whatever the bus says. */
const REFRESH_MS = 10_000;

/**
 * Builds the routing table from the database once per change (not per
 * request) and pushes it to subscribed proxies. A change on any replica
 * reaches every replica through the bus.
 */
export class RouteTableService {
  private table: RouteTable | undefined;
  private building: Promise<RouteTable> | undefined;
  private lastVersion = 0;
  private readonly listeners = new Set<(table: RouteTable) => void>();
  private unsubscribe: (() => void) | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: NovahostDatabase,
    private readonly bus: EventBus,
    private readonly logger: LoggerService,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe(ROUTES_CHANNEL, () => {
      this.table = undefined;
      this.get()
        .then(table => this.notify(table))
        .catch(e => this.logger.error('Route table rebuild failed', e));
    });
    // A change announced while the bus was down (Redis outage) is picked up
    // here: the table is rebuilt periodically and pushed only if it changed.
    this.refreshTimer = setInterval(() => {
      this.refresh().catch(e =>
        this.logger.error('Route table refresh failed', e),
      );
    }, REFRESH_MS);
    this.refreshTimer.unref();
  }

  private notify(table: RouteTable) {
    for (const listener of this.listeners) listener(table);
  }

  /** Rebuilds the table; pushes it only when a route changed. */
  async refresh(): Promise<void> {
    const before = this.table;
    this.table = undefined;
    const after = await this.get();
    if (
      before &&
      JSON.stringify(before.projects) === JSON.stringify(after.projects)
    ) {
      this.table = before;
      return;
    }
    this.notify(after);
  }

  /** Stops listening; resolves once a rebuild in flight is done, so none queries a closed database. */
  async stop(): Promise<void> {
    clearInterval(this.refreshTimer);
    this.unsubscribe?.();
    this.listeners.clear();
    await this.building?.catch(() => {});
  }

  async get(): Promise<RouteTable> {
    if (this.table) return this.table;
    if (!this.building) {
      this.building = this.build().finally(() => {
        this.building = undefined;
      });
    }
    return this.building;
  }

  private async build(): Promise<RouteTable> {
    const { projects, deployments, domains, aliases } =
      await this.db.routeRows();
    const aliasesByProject = new Map<
      string,
      Array<{ label: string; deploymentId: string }>
    >();
    for (const a of aliases) {
      const list = aliasesByProject.get(a.project_id) ?? [];
      list.push({ label: a.label, deploymentId: a.deployment_id! });
      aliasesByProject.set(a.project_id, list);
    }
    const domainsByProject = new Map<string, string[]>();
    for (const d of domains) {
      const list = domainsByProject.get(d.project_id) ?? [];
      list.push(d.hostname);
      domainsByProject.set(d.project_id, list);
    }
    const byProject = new Map<string, Array<{ id: string; shortId: string }>>();
    for (const d of deployments) {
      const list = byProject.get(d.project_id) ?? [];
      list.push({ id: d.id, shortId: d.short_id });
      byProject.set(d.project_id, list);
    }
    this.lastVersion = Math.max(this.lastVersion + 1, Date.now());
    const table: RouteTable = {
      version: this.lastVersion,
      generatedAt: new Date().toISOString(),
      projects: projects.map(p => ({
        id: p.id,
        slug: p.slug,
        spa: Boolean(p.spa),
        productionDeploymentId: p.production_deployment_id,
        deployments: byProject.get(p.id) ?? [],
        domains: domainsByProject.get(p.id) ?? [],
        aliases: aliasesByProject.get(p.id) ?? [],
      })),
    };
    this.table = table;
    return table;
  }

  onChange(listener: (table: RouteTable) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
