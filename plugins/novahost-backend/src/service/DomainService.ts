import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  Domain,
  SiteUrlOptions,
  normalizeHost,
} from '@internal/plugin-novahost-common';
import { randomBytes } from 'crypto';
import { promises as dns } from 'dns';
import { NovahostDatabase } from '../database/NovahostDatabase';
import { DomainRow } from '../database/tables';
import { toIso } from './mappers';
import type { EventBus } from '../bus';
import { publishRoutesChanged } from './channels';
import type { ProjectService } from './ProjectService';

/** The TXT record name that proves control of `hostname`. */
export const challengeName = (hostname: string) =>
  `_novahost-challenge.${hostname}`;

export type TxtResolver = (name: string) => Promise<string[][]>;

/** A resolver using the system's DNS servers, or the given ones (`host:port`). */
export function txtResolver(servers?: string[]): TxtResolver {
  const resolver = new dns.Resolver({ timeout: 3000, tries: 2 });
  if (servers?.length) resolver.setServers(servers);
  return name => resolver.resolveTxt(name);
}

function domainFromRow(row: DomainRow): Domain {
  return {
    hostname: row.hostname,
    projectId: row.project_id,
    verified: row.verified_at !== null,
    verifiedAt: toIso(row.verified_at),
    createdAt: toIso(row.created_at)!,
    verification: {
      type: 'TXT',
      name: challengeName(row.hostname),
      value: row.token,
    },
  };
}

/**
 * Custom domains: added to a project, verified by a DNS TXT record, then
 * routed by every proxy to the project's production deployment.
 */
export class DomainService {
  constructor(
    private readonly o: {
      db: NovahostDatabase;
      projects: ProjectService;
      bus: EventBus;
      urls: SiteUrlOptions;
      resolveTxt: TxtResolver;
    },
  ) {}

  async list(projectIdOrSlug: string): Promise<Domain[]> {
    const project = await this.o.projects.get(projectIdOrSlug);
    return (await this.o.db.listDomains(project.id)).map(domainFromRow);
  }

  async add(projectIdOrSlug: string, hostname: string): Promise<Domain> {
    const project = await this.o.projects.get(projectIdOrSlug);
    const base = normalizeHost(this.o.urls.baseDomain)!;
    if (hostname === base || hostname.endsWith(`.${base}`)) {
      throw new InputError(
        `hostname: ${hostname} is under the platform's own domain ${base}`,
      );
    }
    const row: DomainRow = {
      hostname,
      project_id: project.id,
      token: `novahost-verify=${randomBytes(16).toString('hex')}`,
      verified_at: null,
      created_at: new Date(),
    };
    await this.o.db.insertDomain(row);
    return domainFromRow(row);
  }

  private async owned(projectIdOrSlug: string, hostname: string) {
    const project = await this.o.projects.get(projectIdOrSlug);
    const row = await this.o.db.getDomain(hostname);
    if (!row || row.project_id !== project.id) {
      throw new NotFoundError(
        `Domain ${hostname} not found in project ${project.slug}`,
      );
    }
    return row;
  }

  /** Looks the TXT record up; verified domains start routing at once. */
  async verify(projectIdOrSlug: string, hostname: string): Promise<Domain> {
    const row = await this.owned(projectIdOrSlug, hostname);
    if (row.verified_at) return domainFromRow(row);
    const name = challengeName(hostname);
    let records: string[][] = [];
    try {
      records = await this.o.resolveTxt(name);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code !== 'ENOTFOUND' && code !== 'ENODATA') {
        throw new ConflictError(`DNS lookup of ${name} failed (${code ?? e})`);
      }
    }
    if (!records.some(parts => parts.join('') === row.token)) {
      throw new ConflictError(
        `No TXT record ${name} with value "${row.token}" was found; add it and verify again`,
      );
    }
    await this.o.db.markDomainVerified(hostname);
    await publishRoutesChanged(this.o.bus);
    return domainFromRow((await this.o.db.getDomain(hostname))!);
  }

  async remove(projectIdOrSlug: string, hostname: string): Promise<void> {
    const row = await this.owned(projectIdOrSlug, hostname);
    await this.o.db.deleteDomain(row.hostname);
    if (row.verified_at) await publishRoutesChanged(this.o.bus);
  }
}
