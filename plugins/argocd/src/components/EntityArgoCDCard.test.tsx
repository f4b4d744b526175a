import { Entity } from '@backstage/catalog-model';
import { alertApiRef } from '@backstage/core-plugin-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  TestApiProvider,
  mockApis,
  registerMswTestHooks,
  renderInTestApp,
} from '@backstage/test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import type { ArgoActionResponse } from '@internal/plugin-argocd-common';
import { ArgoCDClient, argocdApiRef } from '../api';
import {
  degradedApp,
  outOfSyncApp,
  syncedApp,
} from '../__testUtils__/applications';
import { EntityArgoCDCard } from './EntityArgoCDCard';

const server = setupServer();
registerMswTestHooks(server);

const VIEWS = 'http://backend/api/backstage-community-argocd';
const ACTIONS = 'http://backend/api/argocd-actions';

/**
 * usePermission caches decisions per permission and entity for the whole
 * test file, so a test that needs a different decision uses its own entity name.
 */
function entity(app: string, instance?: string, name = app): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      annotations: {
        'argocd/app-name': app,
        ...(instance ? { 'argocd/instance-name': instance } : {}),
      },
    },
    spec: {},
  };
}

const alerts: any[] = [];
const alertApi = {
  post: (a: any) => {
    alerts.push(a);
  },
  alert$: () => ({ subscribe: () => ({ unsubscribe() {} }) } as any),
};

async function render(
  e: Entity,
  authorize: (
    name: string,
  ) => AuthorizeResult.ALLOW | AuthorizeResult.DENY = () =>
    AuthorizeResult.ALLOW,
) {
  const permissionApi = mockApis.permission({
    authorize: req => authorize(req.permission.name),
  });
  const api = new ArgoCDClient({
    discoveryApi: mockApis.discovery({ baseUrl: 'http://backend' }),
    fetchApi: { fetch: (input: any, init?: any) => fetch(input, init) },
  });
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [argocdApiRef, api],
        [permissionApiRef, permissionApi],
        [alertApiRef, alertApi],
      ]}
    >
      <EntityProvider entity={e}>
        <EntityArgoCDCard />
      </EntityProvider>
    </TestApiProvider>,
  );
}

function serveApp(app: typeof syncedApp) {
  server.use(
    http.get(
      `${VIEWS}/argoInstance/main/applications/${app.metadata.name}`,
      () => HttpResponse.json(app),
    ),
  );
}

/** Answers the actions backend's POST of `action` with `answer`; returns the bodies it got. */
function serveAction(action: 'sync' | 'refresh', answer: ArgoActionResponse) {
  const bodies: unknown[] = [];
  server.use(
    http.post(
      `${ACTIONS}/applications/${answer.application}/${action}`,
      async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json(answer);
      },
    ),
  );
  return bodies;
}

/** The backend's error body, as @backstage/errors serializes it. */
function errorAnswer(
  status: number,
  name: string,
  message: string,
  request: { method: string; url: string },
) {
  return HttpResponse.json(
    { error: { name, message }, request, response: { statusCode: status } },
    { status },
  );
}

/** Clicks an action button once the permission decision has enabled it. */
async function clickWhenEnabled(name: string) {
  const button = await screen.findByRole('button', { name });
  await waitFor(() => expect(button).toBeEnabled());
  fireEvent.click(button);
}

describe('EntityArgoCDCard', () => {
  beforeEach(() => {
    alerts.length = 0;
  });

  it('shows a Synced, Healthy application with revision and newest-first history', async () => {
    serveApp(syncedApp);
    await render(entity('novahost-portal', 'main'));
    const card = await screen.findByTestId('argocd-app-novahost-portal');
    expect(within(card).getByText('Synced')).toBeInTheDocument();
    expect(within(card).getByText('Healthy')).toBeInTheDocument();
    const history = within(card).getByRole('table', {
      name: 'novahost-portal history',
    });
    const rows = within(history).getAllByRole('row');
    expect(rows[1]).toHaveTextContent('42');
    expect(rows[1]).toHaveTextContent('9f3c2a7');
    expect(rows[1]).toHaveTextContent('alice');
    expect(rows[2]).toHaveTextContent('automated');
    expect(
      screen.queryByRole('list', { name: /Why novahost-portal/ }),
    ).not.toBeInTheDocument();
  });

  it.each([
    {
      title: 'says which resources are OutOfSync',
      app: outOfSyncApp,
      status: 'OutOfSync',
      reasons: ['ConfigMap novahost/novahost-proxy-config is OutOfSync'],
    },
    {
      title: 'gives the message of a Degraded application',
      app: degradedApp,
      status: 'Degraded',
      reasons: [
        'Deployment "novahost-build-cache" exceeded its progress deadline',
        'Last sync failed: one or more objects',
      ],
    },
  ])('$title', async ({ app, status, reasons }) => {
    const name = app.metadata.name;
    serveApp(app);
    await render(entity(name, 'main'));
    expect(await screen.findByText(status)).toBeInTheDocument();
    const why = screen.getByRole('list', { name: new RegExp(`Why ${name}`) });
    for (const reason of reasons) expect(why).toHaveTextContent(reason);
  });

  it('shows the backend error when ArgoCD is unreachable', async () => {
    server.use(
      http.get(`${VIEWS}/argoInstance/down/applications/novahost-docs`, () =>
        errorAnswer(
          500,
          'Error',
          "Failed to fetch Application from Instance 'down' with appName 'novahost-docs' : fetch failed",
          {
            method: 'GET',
            url: '/argoInstance/down/applications/novahost-docs',
          },
        ),
      ),
    );
    await render(entity('novahost-docs', 'down'));
    expect(
      await screen.findByText(/ArgoCD is unavailable for novahost-docs/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Failed to fetch Application from Instance 'down'/),
    ).toBeInTheDocument();
  });

  it('searches every instance when the entity names none', async () => {
    server.use(
      http.get(`${VIEWS}/find/name/novahost-portal`, ({ request }) => {
        expect(new URL(request.url).searchParams.get('expand')).toBe(
          'applications',
        );
        return HttpResponse.json([
          {
            name: 'main',
            url: 'https://argocd.example.com',
            appName: ['novahost-portal'],
            applications: [syncedApp],
          },
        ]);
      }),
    );
    await render(entity('novahost-portal'));
    expect(
      await screen.findByTestId('argocd-app-novahost-portal'),
    ).toBeInTheDocument();
  });

  describe('actions', () => {
    it('syncs after confirmation, with the entity and instance, then reloads', async () => {
      let loads = 0;
      server.use(
        http.get(
          `${VIEWS}/argoInstance/main/applications/novahost-proxy`,
          () => {
            loads += 1;
            return HttpResponse.json(outOfSyncApp);
          },
        ),
      );
      const bodies = serveAction('sync', {
        instance: 'main',
        application: 'novahost-proxy',
        syncStatus: 'OutOfSync',
        healthStatus: 'Healthy',
        operationPhase: 'Running',
      });
      await render(entity('novahost-proxy', 'main'));
      await clickWhenEnabled('Sync novahost-proxy');
      // Nothing happens before the confirmation.
      expect(bodies).toEqual([]);
      const dialog = await screen.findByRole('dialog');
      fireEvent.click(within(dialog).getByRole('button', { name: 'Sync' }));
      await waitFor(() => expect(alerts).toHaveLength(1));
      expect(bodies).toEqual([
        {
          entityRef: 'component:default/novahost-proxy',
          instance: 'main',
        },
      ]);
      expect(alerts[0]).toMatchObject({
        severity: 'success',
        message: 'Sync of novahost-proxy started (Running)',
      });
      await waitFor(() => expect(loads).toBe(2));
    });

    it('refreshes without a dialog', async () => {
      serveApp(syncedApp);
      const bodies = serveAction('refresh', {
        instance: 'main',
        application: 'novahost-portal',
        syncStatus: 'Synced',
        healthStatus: 'Healthy',
      });
      await render(entity('novahost-portal', 'main'));
      await clickWhenEnabled('Refresh novahost-portal');
      await waitFor(() => expect(bodies).toHaveLength(1));
      await waitFor(() =>
        expect(alerts[0]).toMatchObject({
          severity: 'success',
          message: 'novahost-portal refreshed: Synced, Healthy',
        }),
      );
    });

    it('disables Sync with the reason when the policy denies it', async () => {
      serveApp(syncedApp);
      await render(entity('novahost-portal', 'main', 'denied'), name =>
        name === 'argocd.application.sync'
          ? AuthorizeResult.DENY
          : AuthorizeResult.ALLOW,
      );
      expect(
        await screen.findByText('You are not allowed to sync novahost-portal'),
      ).toBeInTheDocument();
      expect(
        screen.getByRole('button', { name: 'Sync novahost-portal' }),
      ).toBeDisabled();
      expect(
        screen.getByRole('button', { name: 'Refresh novahost-portal' }),
      ).toBeEnabled();
    });

    it('shows why ArgoCD refused the sync', async () => {
      serveApp(syncedApp);
      server.use(
        http.post(`${ACTIONS}/applications/novahost-portal/sync`, () =>
          errorAnswer(
            409,
            'ConflictError',
            "ArgoCD instance 'main' answered 400: another operation is already in progress",
            { method: 'POST', url: '/applications/novahost-portal/sync' },
          ),
        ),
      );
      await render(entity('novahost-portal', 'main'));
      await clickWhenEnabled('Sync novahost-portal');
      fireEvent.click(
        within(await screen.findByRole('dialog')).getByRole('button', {
          name: 'Sync',
        }),
      );
      await waitFor(() => expect(alerts).toHaveLength(1));
      expect(alerts[0]).toEqual({
        severity: 'error',
        message:
          "Could not sync novahost-portal: ArgoCD instance 'main' answered 400: another operation is already in progress",
      });
    });
  });
});
