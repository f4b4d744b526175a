import type { DiscoveryService } from '@backstage/backend-plugin-api';
import {
  novahostProjectReadPermission,
  WebhookStatus,
} from '@internal/plugin-novahost-common';
import express from 'express';
import Router from 'express-promise-router';
import type { NovahostDatabase } from '../database/NovahostDatabase';
import { toMillis } from './mappers';
import type { RequestGuards } from './requestGuards';
import { WEBHOOK_SECRET_KEY } from './webhooks/secret';

export type WebhookRoutesOptions = {
  db: NovahostDatabase;
  guards: RequestGuards;
  discovery: DiscoveryService;
  /** Where the webhook secret is configured; undefined: nowhere. */
  webhookSecretLocation: string | undefined;
};

/**
 * GET /projects/:id/webhook: how to point the project's repository at
 * Novahost (the events backend's GitHub endpoint, the events, where the
 * secret is configured) and the newest delivery for the repository, with
 * what Novahost did with it. Readable by whoever may read the project.
 */
export function createWebhookRoutes(o: WebhookRoutesOptions): express.Router {
  const router = Router();

  router.get('/projects/:id/webhook', async (req, res) => {
    const { row } = await o.guards.project(req, novahostProjectReadPermission);
    const last = row.repo_key
      ? await o.db.deliveries.latest(row.repo_key)
      : undefined;
    const status: WebhookStatus = {
      url: `${await o.discovery.getExternalBaseUrl('events')}/http/github`,
      events: ['push', 'pull_request'],
      contentType: 'application/json',
      secretConfigKey: o.webhookSecretLocation ?? WEBHOOK_SECRET_KEY,
      secretConfigured: o.webhookSecretLocation !== undefined,
      repoKey: row.repo_key,
      lastDelivery: last
        ? {
            id: last.delivery_id,
            event: last.event,
            receivedAt: new Date(toMillis(last.received_at)).toISOString(),
            outcome: last.outcome,
          }
        : null,
    };
    res.json(status);
  });

  return router;
}
