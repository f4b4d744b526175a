import {
  createServiceFactory,
  coreServices,
  AuditorServiceCreateEventOptions,
} from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  createNovahostProjectConditionalDecision,
  novahostProjectConditions,
} from '@internal/plugin-novahost-node';

/** Who belongs to what in these tests: a user's ownership refs. */
export const MEMBERS: Record<string, string[]> = {
  'user:default/alice': ['user:default/alice', 'group:default/team-a'],
  'user:default/bob': ['user:default/bob', 'group:default/team-b'],
  'user:default/dana': [
    'user:default/dana',
    'group:default/team-a',
    'group:default/team-b',
  ],
};

export const as = (userRef: string) => ({
  Authorization: mockCredentials.user.header(userRef),
});

/**
 * The decisions a company policy gives users (the app's real policy is
 * tested with the permission backend in packages/backend): read is
 * `readResult`, every other project permission is allowed on projects
 * owned by one of the user's ownership refs. Services are allowed.
 */
export function ownerPolicyFeatures(
  opts: { readResult?: 'allow' | 'owner' } = {},
) {
  const permissions = mockServices.permissions.mock({
    authorize: async queries =>
      queries.map(() => ({ result: AuthorizeResult.ALLOW })),
    authorizeConditional: async (queries, options) => {
      const principal = (options as any)?.credentials?.principal;
      return queries.map(({ permission }) => {
        if (principal?.type !== 'user')
          return { result: AuthorizeResult.ALLOW };
        if (
          permission.name === 'novahost.project.read' &&
          opts.readResult !== 'owner'
        ) {
          return { result: AuthorizeResult.ALLOW };
        }
        return createNovahostProjectConditionalDecision(
          permission as any,
          novahostProjectConditions.isProjectOwner({
            claims: MEMBERS[principal.userEntityRef] ?? [
              principal.userEntityRef,
            ],
          }),
        );
      });
    },
  });
  const userInfo = createServiceFactory({
    service: coreServices.userInfo,
    deps: {},
    factory: () => ({
      async getUserInfo(credentials: any) {
        const ref = credentials.principal.userEntityRef;
        return {
          userEntityRef: ref,
          ownershipEntityRefs: MEMBERS[ref] ?? [ref],
        };
      },
    }),
  });
  return [permissions.factory, userInfo];
}

/** One audit event as the plugin reported it. */
export type RecordedAudit = {
  eventId: string;
  severityLevel?: string;
  actor?: string;
  status: 'succeeded' | 'failed';
  meta: Record<string, unknown>;
  error?: string;
};

/**
 * An auditor that records the events the plugin emits (with the actor the
 * request carried), so tests can assert what an operator would see.
 */
export function recordingAuditor() {
  const events: RecordedAudit[] = [];
  const httpAuth = mockServices.httpAuth();
  const factory = createServiceFactory({
    service: coreServices.auditor,
    deps: {},
    factory: () => ({
      async createEvent(options: AuditorServiceCreateEventOptions) {
        let actor: string | undefined;
        if (options.request) {
          const creds = await httpAuth.credentials(options.request as any);
          const p = creds.principal as any;
          actor = p.userEntityRef ?? p.subject;
        }
        const base = {
          eventId: options.eventId,
          severityLevel: options.severityLevel,
          actor,
        };
        return {
          async success(o?: { meta?: Record<string, unknown> }) {
            events.push({
              ...base,
              status: 'succeeded',
              meta: { ...options.meta, ...o?.meta },
            });
          },
          async fail(o: { error: Error; meta?: Record<string, unknown> }) {
            events.push({
              ...base,
              status: 'failed',
              meta: { ...options.meta, ...o.meta },
              error: o.error.message,
            });
          },
        };
      },
    }),
  });
  return { events, factory };
}
