import type {
  AuditorService,
  AuditorServiceEvent,
  BackstageCredentials,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import type { NovahostProjectPermission } from '@internal/plugin-novahost-common';
import type { JsonObject } from '@backstage/types';
import express, { Request, Response } from 'express';
import type { DeploymentRow, ProjectRow } from '../database/tables';
import type { DeploymentService } from './DeploymentService';
import type { ProjectAccess } from './ProjectAccess';
import type { ProjectService } from './ProjectService';

/** Every JSON body of the public API is small; a larger one gets a 413 unread. */
export const jsonBody = express.json({ limit: '256kb' });

/** A write's audit event: add what the answer revealed (ids) before it ends. */
export type AuditContext = {
  /** Extra fields for the event, e.g. the created project's id. */
  meta: JsonObject;
};

/**
 * What every public route does before its work: who is calling, may they
 * do this to this project, and (for writes) an audit event that records
 * the outcome, refusals included.
 */
export function createRequestGuards(o: {
  httpAuth: HttpAuthService;
  auditor: AuditorService;
  access: ProjectAccess;
  projects: ProjectService;
  deployments: DeploymentService;
}) {
  const credentials = (
    req: Request,
    allow: Array<'user' | 'service'> = ['user', 'service'],
  ): Promise<BackstageCredentials> => o.httpAuth.credentials(req, { allow });

  /** The caller's credentials and the project, once `permission` allows it. */
  const project = async (
    req: Request,
    permission: NovahostProjectPermission,
    idOrSlug: string = req.params.id,
  ): Promise<{ credentials: BackstageCredentials; row: ProjectRow }> => {
    const creds = await credentials(req);
    const row = await o.projects.row(idOrSlug);
    await o.access.authorize(creds, permission, row);
    return { credentials: creds, row };
  };

  /** The caller's credentials, a deployment and its project, once `permission` on the project allows it. */
  const deployment = async (
    req: Request,
    permission: NovahostProjectPermission,
  ): Promise<{
    credentials: BackstageCredentials;
    deployment: DeploymentRow;
    project: ProjectRow;
  }> => {
    const creds = await credentials(req);
    const d = await o.deployments.row(req.params.id);
    const row = await o.projects.row(d.project_id);
    await o.access.authorize(creds, permission, row);
    return { credentials: creds, deployment: d, project: row };
  };

  /**
   * Wraps a write in an audit event (`novahost` plugin, `eventId`): the
   * actor comes from the request, `meta` from the route params and the
   * handler; the outcome is success or the error, refusals included.
   */
  const audited =
    (
      eventId: string,
      severityLevel: 'low' | 'medium' | 'high',
      handler: (
        req: Request,
        res: Response,
        audit: AuditContext,
      ) => Promise<void>,
    ) =>
    async (req: Request, res: Response) => {
      const audit: AuditContext = { meta: { ...req.params } };
      const event: AuditorServiceEvent = await o.auditor.createEvent({
        eventId,
        severityLevel,
        request: req,
        meta: { ...audit.meta },
      });
      try {
        await handler(req, res, audit);
      } catch (error) {
        await event.fail({ error: error as Error, meta: audit.meta });
        throw error;
      }
      await event.success({ meta: audit.meta });
    };

  /**
   * An audited write on the project `:id`: `permission` is checked first,
   * then `handler` runs with the caller and the project's row.
   */
  const projectWrite = (
    eventId: string,
    severityLevel: 'low' | 'medium' | 'high',
    permission: NovahostProjectPermission,
    handler: (ctx: {
      req: Request;
      res: Response;
      audit: AuditContext;
      credentials: BackstageCredentials;
      row: ProjectRow;
    }) => Promise<void>,
  ) =>
    audited(eventId, severityLevel, async (req, res, audit) => {
      const { credentials: creds, row } = await project(req, permission);
      await handler({ req, res, audit, credentials: creds, row });
    });

  return { credentials, project, deployment, audited, projectWrite };
}

export type RequestGuards = ReturnType<typeof createRequestGuards>;

/** Who did it, as deployments record it: a user ref or a service subject. */
export function actorRef(credentials: {
  principal: unknown;
}): string | undefined {
  const p = credentials.principal as {
    userEntityRef?: string;
    subject?: string;
  };
  return p.userEntityRef ?? p.subject;
}
