import { renderInTestApp } from '@backstage/frontend-test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { testApp } from '../__testUtils__/app';
import { iso, makeDeployment, makeProject } from '../__testUtils__/fixtures';
import {
  base,
  page,
  projectHandlers,
  setupNovahostServer,
} from '../__testUtils__/server';
import { expectedAliasHost, targetOfRef } from './DeployBranchDialog';
import { ProjectView } from './ProjectView';

const server = setupNovahostServer();

const production = makeDeployment({
  shortId: 'prod0001',
  createdAt: iso(100),
  isProduction: true,
  target: 'production',
  branch: 'main',
  source: 'push',
  aliasUrl: 'http://my-site-git-main.localhost:8080',
});
const preview = makeDeployment({
  shortId: 'prev0002',
  createdAt: iso(200),
  finishedAt: iso(225),
  target: 'preview',
  branch: 'feature/login',
  pullRequest: { number: 12, fork: true },
  source: 'pull_request',
  aliasUrl: 'http://my-site-git-feature-login.localhost:8080',
});
const project = makeProject({ productionDeploymentId: production.id });

/** The list route answering by `?target=`, recording each one asked for. */
function listByTarget(targets: Array<string | null>) {
  return http.get(`${base}/projects/:id/deployments`, ({ request }) => {
    const target = new URL(request.url).searchParams.get('target');
    targets.push(target);
    const all = [preview, production];
    return HttpResponse.json(
      page(target ? all.filter(d => d.target === target) : all),
    );
  });
}

const render = () =>
  renderInTestApp(<ProjectView projectId="my-site" allowDelete />, testApp());

const rowOf = (shortId: string) =>
  screen.getByText(shortId).closest('tr') as HTMLElement;

describe('targetOfRef and expectedAliasHost', () => {
  it('say what a ref deploys to and where a preview is served', () => {
    expect(targetOfRef(project, 'main')).toBe('production');
    expect(targetOfRef(project, 'a'.repeat(40))).toBe('production');
    expect(targetOfRef(project, 'feature/x')).toBe('preview');
    expect(targetOfRef(project, 'v1.2.0')).toBe('preview');
    expect(expectedAliasHost(project, 'Feature/New_UI')).toBe(
      'my-site-git-feature-new-ui.localhost:8080',
    );
    expect(
      expectedAliasHost(
        makeProject({ url: 'https://www.example.com' }),
        'feature',
      ),
    ).toBeUndefined();
  });
});

describe('ProjectView previews', () => {
  it('shows the target, branch, pull request, source and alias of each deployment', async () => {
    server.use(...projectHandlers(project, () => [preview, production]));
    await render();
    await screen.findByText('prev0002');

    const row = rowOf('prev0002');
    expect(within(row).getByTestId('deployment-target')).toHaveTextContent(
      'Preview',
    );
    expect(within(row).getByTitle('feature/login')).toHaveTextContent(
      'feature/login',
    );
    expect(within(row).getByText(/#12/)).toBeInTheDocument();
    expect(within(row).getByTestId('pull-request-fork')).toHaveTextContent(
      'fork',
    );
    expect(within(row).getByText('pull request')).toBeInTheDocument();
    expect(within(row).getByText('took 25s')).toBeInTheDocument();
    expect(
      within(row).getByText('my-site-git-feature-login.localhost'),
    ).toHaveAttribute('href', preview.aliasUrl);

    const prod = rowOf('prod0001');
    expect(within(prod).getByTestId('deployment-target')).toHaveTextContent(
      'Production',
    );
    expect(within(prod).getByText('push')).toBeInTheDocument();
    expect(within(prod).queryByTestId('pull-request-fork')).toBeNull();
    expect(within(prod).getByText('Current production')).toBeInTheDocument();
  });

  it('filters by target through the API, keeping production on its card', async () => {
    const targets: Array<string | null> = [];
    server.use(
      listByTarget(targets),
      ...projectHandlers(project, () => [preview, production]),
    );
    await render();
    await screen.findByText('prev0002');
    expect(
      screen.getByRole('button', { name: 'All', pressed: true }),
    ).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Preview' }));
    await waitFor(() => expect(screen.queryByText('prod0001')).toBeNull());
    expect(screen.getByText('prev0002')).toBeInTheDocument();
    expect(targets).toContain('preview');
    // Production is not in the list: the card fetches it by id.
    expect(await screen.findByTestId('production-card')).toHaveTextContent(
      'prod0001',
    );

    await userEvent.click(screen.getByRole('button', { name: 'Production' }));
    await waitFor(() => expect(screen.queryByText('prev0002')).toBeNull());
    expect(
      within(screen.getByRole('table')).getByText('prod0001'),
    ).toBeInTheDocument();
    expect(targets).toContain('production');
    expect(targets[0]).toBeNull();
  });

  it('says how to make a preview when there is none', async () => {
    server.use(
      http.get(`${base}/projects/:id/deployments`, ({ request }) =>
        HttpResponse.json(
          page(
            new URL(request.url).searchParams.get('target') === 'preview'
              ? []
              : [production],
          ),
        ),
      ),
      ...projectHandlers(project, () => [production]),
    );
    await render();
    await screen.findByText('prod0001');
    await userEvent.click(screen.getByRole('button', { name: 'Preview' }));
    expect(
      await screen.findByText(/No preview deployments yet/),
    ).toBeInTheDocument();
  });

  it('deploys a branch as a preview, checking the ref first', async () => {
    const posted: unknown[] = [];
    server.use(
      ...projectHandlers(project, () => [production]),
      http.post(`${base}/projects/:id/deployments`, async ({ request }) => {
        posted.push(await request.json());
        return HttpResponse.json(
          makeDeployment({ status: 'queued', target: 'preview' }),
          { status: 202 },
        );
      }),
    );
    await render();
    const open = await screen.findByRole('button', { name: 'Deploy a branch' });
    await waitFor(() => expect(open).toBeEnabled());
    await userEvent.click(open);
    const dialog = await screen.findByRole('dialog');
    const ref = within(dialog).getByLabelText('Branch, tag or commit');

    await userEvent.type(ref, 'main');
    expect(
      within(dialog).getByTestId('deploy-branch-target'),
    ).toHaveTextContent(/Production.*promoted when it is ready/);

    await userEvent.clear(ref);
    await userEvent.type(ref, 'feature..x');
    await userEvent.click(
      within(dialog).getByRole('button', { name: /^Deploy / }),
    );
    expect(
      within(dialog).getByText('must be a valid git branch, tag or commit SHA'),
    ).toBeInTheDocument();
    expect(posted).toEqual([]);

    await userEvent.clear(ref);
    await userEvent.type(ref, 'feature/new-ui');
    expect(
      within(dialog).getByTestId('deploy-branch-target'),
    ).toHaveTextContent(
      'PreviewA preview, never promoted automatically, served at my-site-git-feature-new-ui.localhost:8080.',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Deploy feature/new-ui' }),
    );
    await waitFor(() => expect(posted).toEqual([{ ref: 'feature/new-ui' }]));
  });
});
