import { renderInTestApp } from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import type { Entity } from '@backstage/catalog-model';
import { isNovahostAvailable } from '@internal/plugin-novahost-common';
import { screen, waitFor } from '@testing-library/react';
import { makeDeployment, makeProject } from '../__testUtils__/fixtures';
import { testApp } from '../__testUtils__/app';
import {
  notFoundHandlers,
  projectHandlers,
  setupNovahostServer,
} from '../__testUtils__/server';
import {
  EntityNovahostContent,
  EntityNovahostDeploymentsCard,
} from './EntityNovahost';

const server = setupNovahostServer();

const entity = (annotations: Record<string, string> = {}): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'web', annotations },
  spec: { type: 'website', owner: 'web', lifecycle: 'production' },
});

const render = (e: Entity, element: JSX.Element) =>
  renderInTestApp(
    <EntityProvider entity={e}>{element}</EntityProvider>,
    testApp(),
  );

describe('isNovahostAvailable', () => {
  it('needs a non-empty novahost.dev/project annotation', () => {
    expect(
      isNovahostAvailable(entity({ 'novahost.dev/project': 'my-site' })),
    ).toBe(true);
    expect(isNovahostAvailable(entity({ 'novahost.dev/project': ' ' }))).toBe(
      false,
    );
    expect(isNovahostAvailable(entity())).toBe(false);
  });
});

describe('EntityNovahostDeploymentsCard', () => {
  it('shows production and the latest deployments of the annotated project', async () => {
    const d = makeDeployment({ shortId: 'abc12345', isProduction: true });
    server.use(
      ...projectHandlers(makeProject({ productionDeploymentId: d.id }), () => [
        d,
      ]),
    );
    await render(
      entity({ 'novahost.dev/project': 'my-site' }),
      <EntityNovahostDeploymentsCard />,
    );
    expect(
      await screen.findByText('http://my-site.localhost:8080'),
    ).toBeInTheDocument();
    expect(screen.getByText('abc12345')).toHaveAttribute(
      'href',
      `/novahost/deployments/${d.id}`,
    );
    expect(screen.getByText('Open project').closest('a')).toHaveAttribute(
      'href',
      '/novahost/projects/my-site',
    );
  });

  it('says when the annotated project does not exist', async () => {
    server.use(
      ...notFoundHandlers("Project 'gone'", [
        '/projects/gone',
        '/projects/gone/deployments',
      ]),
    );
    await render(
      entity({ 'novahost.dev/project': 'gone' }),
      <EntityNovahostDeploymentsCard />,
    );
    expect(
      (await screen.findAllByText(/Project 'gone' not found/)).length,
    ).toBeGreaterThan(0);
  });
});

describe('EntityNovahostContent', () => {
  it('shows the project of the annotation', async () => {
    server.use(...projectHandlers(makeProject(), () => []));
    await render(
      entity({ 'novahost.dev/project': 'my-site' }),
      <EntityNovahostContent />,
    );
    // The table re-renders once the permission decisions arrive.
    await waitFor(() =>
      expect(screen.getByText(/No deployments yet/)).toBeInTheDocument(),
    );
    expect(screen.queryByRole('button', { name: /Delete project/ })).toBeNull();
  });

  it('explains the annotation when it is missing', async () => {
    await render(entity(), <EntityNovahostContent />);
    expect(screen.getByText('novahost.dev/project')).toBeInTheDocument();
  });
});
