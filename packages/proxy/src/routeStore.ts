/**
 * The in-memory routing state: the current {@link RouteTable} (indexed for
 * lookups), the rule for which incoming tables replace it, and the cache file
 * that lets the proxy serve the last known table while the backend is down.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import type { RouteTable } from '@internal/plugin-novahost-common';
import type { Logger } from './logger';
import { RoutingIndex, buildRoutingIndex, parseRouteTable } from './routing';

/** Reads and atomically writes the route table cache file. */
export class RoutesCacheFile {
  constructor(readonly path: string) {}

  /** The cached table; undefined when there is no cache file. Throws on a corrupt one. */
  async load(): Promise<RouteTable | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return parseRouteTable(JSON.parse(text));
  }

  /** Writes via a temp file in the same directory and a rename. */
  async save(table: RouteTable): Promise<void> {
    const dir = dirname(this.path);
    await fs.mkdir(dir, { recursive: true });
    const tmp = join(
      dir,
      `.${basename(this.path)}.${process.pid}.${randomBytes(6).toString(
        'hex',
      )}.tmp`,
    );
    try {
      await fs.writeFile(tmp, `${JSON.stringify(table)}\n`, { mode: 0o600 });
      await fs.rename(tmp, this.path);
    } catch (error) {
      await fs.rm(tmp, { force: true }).catch(() => {});
      throw error;
    }
  }
}

export interface OfferOptions {
  /**
   * The first table received on a fresh connection to the backend. It is
   * accepted even if its version is lower: versions restart when the
   * backend restarts.
   */
  firstOnConnection: boolean;
}

export class RouteStore {
  private current: RoutingIndex | undefined;
  private writes: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(index: RoutingIndex) => void>();

  constructor(
    private readonly options: {
      baseDomain: string;
      logger: Logger;
      cache?: RoutesCacheFile;
    },
  ) {}

  /** The index requests are resolved against; undefined until a table is known. */
  get index(): RoutingIndex | undefined {
    return this.current;
  }

  get version(): number | undefined {
    return this.current?.table.version;
  }

  /** Calls `listener` after every accepted table. Returns an unsubscribe function. */
  onChange(listener: (index: RoutingIndex) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads the cache file, if any, as the initial table. Never throws. */
  async loadCache(): Promise<boolean> {
    const { cache, logger } = this.options;
    if (!cache) return false;
    try {
      const table = await cache.load();
      if (!table) {
        logger.info('no routes cache file yet', { file: cache.path });
        return false;
      }
      if (this.current) return false; // the backend was faster
      this.apply(table, 'cache');
      return true;
    } catch (error) {
      logger.warn('ignoring unreadable routes cache file', {
        file: cache.path,
        error,
      });
      return false;
    }
  }

  /**
   * Offers a table from the backend. It replaces the current one when its
   * version is higher, or when it is the first on a new connection.
   * Returns whether it was accepted.
   */
  offer(table: RouteTable, options: OfferOptions): boolean {
    const current = this.current?.table;
    if (current && !options.firstOnConnection) {
      if (table.version <= current.version) {
        if (table.version < current.version) {
          this.options.logger.warn('ignoring older routing table', {
            version: table.version,
            currentVersion: current.version,
          });
        }
        return false;
      }
    }
    if (current && table.version < current.version) {
      this.options.logger.warn(
        'routing table version went backwards on a new connection (backend restarted?); accepting it',
        { version: table.version, previousVersion: current.version },
      );
    }
    this.apply(table, 'backend');
    this.persist(table);
    return true;
  }

  /** Resolves when every pending cache write has finished. */
  flush(): Promise<void> {
    return this.writes;
  }

  private apply(table: RouteTable, source: 'backend' | 'cache') {
    const index = buildRoutingIndex(table, this.options.baseDomain);
    this.current = index;
    this.options.logger.info('routing table updated', {
      source,
      version: table.version,
      projects: table.projects.length,
      live: table.projects.filter(p => p.productionDeploymentId).length,
    });
    for (const listener of this.listeners) {
      try {
        listener(index);
      } catch (error) {
        this.options.logger.error('route change listener failed', { error });
      }
    }
  }

  private persist(table: RouteTable) {
    const { cache, logger } = this.options;
    if (!cache) return;
    // Serialized, so an older table can never overwrite a newer one.
    this.writes = this.writes.then(() =>
      cache.save(table).catch(error => {
        logger.error('failed to write routes cache file', {
          file: cache.path,
          error,
        });
      }),
    );
  }
}
