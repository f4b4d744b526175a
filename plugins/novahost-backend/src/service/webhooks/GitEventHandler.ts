import type { LoggerService } from '@backstage/backend-plugin-api';
import type { EventParams } from '@backstage/plugin-events-node';
import { repoKey } from '@internal/plugin-novahost-common';
import { createHash } from 'crypto';
import type { NovahostDatabase } from '../../database/NovahostDatabase';
import { FAILED_OUTCOME_PREFIX } from '../../database/deliveries';
import type { ProjectRow } from '../../database/tables';
import type { ProjectService } from '../ProjectService';
import { describeIssues } from './payloads';
import { pullRequestHandling } from './pullRequest';
import { pushHandling } from './push';
import type { GitEventContext, GitEventHandling } from './types';

/** The topics Novahost subscribes to (the GitHub module's router makes them). */
export const GIT_TOPICS = ['github.push', 'github.pull_request'];

const MAX_OUTCOME = 4000;

/** A delivery whose payload parsed: its repository and what it does. */
type Delivery = {
  repoKey: string | null;
  /** Why it concerns no project, if it does not. */
  ignored?: string;
  forProject(project: ProjectRow): Promise<string>;
};

type Reader = (payload: unknown) => Delivery | { notUnderstood: string };

/** Binds a handling to the payloads its schema accepts. */
function reader<
  P extends { repository: { html_url?: string; clone_url?: string } },
>(handling: GitEventHandling<P>): Reader {
  return raw => {
    const parsed = handling.schema.safeParse(raw);
    if (!parsed.success) {
      return { notUnderstood: describeIssues(parsed.error) };
    }
    const payload = parsed.data;
    const { html_url, clone_url } = payload.repository;
    return {
      repoKey: repoKey(html_url ?? '') ?? repoKey(clone_url ?? '') ?? null,
      ignored: handling.ignore(payload),
      forProject: project => handling.forProject(payload, project),
    };
  };
}

function header(
  metadata: EventParams['metadata'],
  name: string,
): string | undefined {
  const value = metadata?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first.length > 0 && first.length <= 128
    ? first
    : undefined;
}

/**
 * GitHub deliveries, as the events backend hands them over after checking
 * their signature: each is claimed by its `X-GitHub-Delivery` id first (a
 * redelivery starts nothing new), matched to the projects built from its
 * repository, handled per project, and its outcome recorded and logged.
 */
export class GitEventHandler {
  private readonly readers: Record<string, Reader>;

  constructor(
    private readonly o: {
      db: NovahostDatabase;
      projects: ProjectService;
      logger: LoggerService;
    } & GitEventContext,
  ) {
    this.readers = {
      push: reader(pushHandling(o)),
      pull_request: reader(pullRequestHandling(o)),
    };
  }

  /** The events service's subscriber; never throws (the service would only log it). */
  async onEvent(params: EventParams): Promise<void> {
    const event = params.topic.replace(/^github\./, '');
    const read = this.readers[event];
    if (!read) return;
    const deliveryId =
      header(params.metadata, 'x-github-delivery') ??
      derivedDeliveryId(event, params.eventPayload);
    const log = this.o.logger.child({
      githubDelivery: deliveryId,
      githubEvent: event,
    });
    try {
      const delivery = read(params.eventPayload);
      const received = {
        delivery_id: deliveryId,
        event,
        repo_key: 'repoKey' in delivery ? delivery.repoKey : null,
        received_at: new Date(),
      };
      if (!(await this.o.db.deliveries.claim(received))) {
        log.info(
          `GitHub ${event} delivery ${deliveryId} was already handled; a redelivery starts nothing`,
        );
        return;
      }
      let outcome: string;
      if ('notUnderstood' in delivery) {
        outcome = `ignored: payload not understood: ${delivery.notUnderstood}`;
        log.warn(`GitHub ${event} delivery ${deliveryId} ${outcome}`);
      } else {
        outcome = await this.handle(delivery, log);
      }
      await this.o.db.deliveries.setOutcome(deliveryId, clip(outcome));
    } catch (e) {
      log.error(`GitHub ${event} delivery ${deliveryId} failed`, e as Error);
      await this.o.db.deliveries
        .setOutcome(deliveryId, clip(`${FAILED_OUTCOME_PREFIX} ${message(e)}`))
        .catch(() => undefined);
    }
  }

  private async handle(
    delivery: Delivery,
    log: LoggerService,
  ): Promise<string> {
    if (delivery.ignored) {
      log.info(`Ignored: ${delivery.ignored}`);
      return `ignored: ${delivery.ignored}`;
    }
    const projects = delivery.repoKey
      ? await this.o.projects.byRepoKey(delivery.repoKey)
      : [];
    if (projects.length === 0) {
      log.info(
        `Ignored: no project uses ${delivery.repoKey ?? 'the repository'}`,
      );
      return 'ignored: no project uses this repository';
    }
    let failed = false;
    const outcomes: string[] = [];
    for (const project of projects) {
      const plog = log.child({ project: project.slug });
      let outcome: string;
      try {
        outcome = await delivery.forProject(project);
      } catch (e) {
        failed = true;
        plog.error(`GitHub delivery for ${project.slug} failed`, e as Error);
        outcome = `${FAILED_OUTCOME_PREFIX} ${message(e)}`;
      }
      plog.info(`GitHub delivery for ${project.slug}: ${outcome}`);
      outcomes.push(`${project.slug}: ${outcome}`);
    }
    // A failed project lets GitHub's "Redeliver" try again; projects that
    // were deployed then answer "already deploying".
    return `${failed ? `${FAILED_OUTCOME_PREFIX} ` : ''}${outcomes.join('; ')}`;
  }
}

/**
 * Events that reach a subscriber through the events backend's bus (from
 * another Backstage instance) carry no headers: their id is derived from
 * what makes the delivery itself, so a redelivery still matches.
 */
function derivedDeliveryId(event: string, payload: unknown): string {
  const p = (payload ?? {}) as Record<string, any>;
  const parts =
    event === 'push'
      ? [p.repository?.html_url, p.ref, p.before, p.after]
      : [
          p.repository?.html_url,
          p.number,
          p.action,
          p.pull_request?.head?.sha,
          p.pull_request?.updated_at,
        ];
  const hash = createHash('sha256')
    .update(JSON.stringify([event, ...parts]))
    .digest('hex');
  return `derived-${hash}`;
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

function clip(outcome: string): string {
  return outcome.length > MAX_OUTCOME
    ? `${outcome.slice(0, MAX_OUTCOME - 1)}…`
    : outcome;
}
