import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { normalizeEntityRef } from '@internal/plugin-novahost-common';
import type { NovahostDatabase } from '../database/NovahostDatabase';
import { chunks } from '../database/sqlHelpers';

/**
 * The owner a catalog entity gives its project: `spec.owner`, resolved like
 * the catalog resolves it (a bare name is a group in the entity's namespace).
 * Undefined when the entity has no usable owner.
 */
export function entityOwner(entity: Entity): string | undefined {
  const owner = (entity.spec as { owner?: unknown } | undefined)?.owner;
  if (typeof owner !== 'string' || !owner.trim()) return undefined;
  try {
    const ref = normalizeEntityRef(owner, {
      defaultNamespace: entity.metadata.namespace ?? 'default',
    });
    return /^(group|user):/.test(ref) ? ref : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Keeps the owner of catalog-linked projects equal to their entity's
 * `spec.owner`: the catalog is where a team hands a component over, and
 * the project follows. Runs on a schedule (one replica at a time) and when
 * a linked project is created.
 */
export class CatalogOwnerSync {
  constructor(
    private readonly o: {
      db: NovahostDatabase;
      catalog: CatalogService;
      auth: AuthService;
      logger: LoggerService;
    },
  ) {}

  /** The owner the catalog gives `entityRef` now; undefined if it has none (or is unknown). */
  async ownerOf(entityRef: string): Promise<string | undefined> {
    const entity = await this.o.catalog.getEntityByRef(entityRef, {
      credentials: await this.o.auth.getOwnServiceCredentials(),
    });
    return entity ? entityOwner(entity) : undefined;
  }

  /** Updates every linked project whose entity's owner changed; returns how many. */
  async sync(): Promise<number> {
    const linked = await this.o.db.linkedProjects();
    const credentials = await this.o.auth.getOwnServiceCredentials();
    let changed = 0;
    for (const part of chunks(linked)) {
      const { items } = await this.o.catalog.getEntitiesByRefs(
        {
          entityRefs: part.map(p => p.entity_ref!),
          fields: ['kind', 'metadata.namespace', 'metadata.name', 'spec.owner'],
        },
        { credentials },
      );
      for (const [i, project] of part.entries()) {
        const entity = items[i];
        const owner = entity ? entityOwner(entity) : undefined;
        if (!owner || owner === project.owner) continue;
        await this.o.db.updateProject(project.id, {
          owner,
          updated_at: new Date(),
        });
        changed++;
        this.o.logger.info(
          `Project ${project.slug} now owned by ${owner}, as its catalog entity ${project.entity_ref}`,
        );
      }
    }
    return changed;
  }
}
