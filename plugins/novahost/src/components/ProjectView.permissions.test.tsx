import { renderInTestApp } from '@backstage/frontend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { novahostProjectDeletePermission } from '@internal/plugin-novahost-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { allowAll, denyAll, testApp, type Decide } from '../__testUtils__/app';
import { iso, makeDeployment, makeProject } from '../__testUtils__/fixtures';
import {
  base,
  projectHandlers,
  setupNovahostServer,
} from '../__testUtils__/server';
import type { Project } from '@internal/plugin-novahost-common';
import { ProjectView } from './ProjectView';

const server = setupNovahostServer();

const TEAM_A = 'group:default/team-a';
const ALICE = {
  userEntityRef: 'user:default/alice',
  ownershipEntityRefs: ['user:default/alice', TEAM_A, 'group:default/team-b'],
};

const production = makeDeployment({
  shortId: 'cur00001',
  createdAt: iso(100),
  isProduction: true,
});
const older = makeDeployment({ shortId: 'old00002', createdAt: iso(10) });
const building = makeDeployment({
  shortId: 'new00003',
  createdAt: iso(300),
  status: 'building',
  finishedAt: null,
});

let n = 0;
/** A project of team-a with its own id: decisions are cached per project id. */
function teamProject(overrides: Partial<Project> = {}): Project {
  n += 1;
  return makeProject({
    id: `33333333-3333-4333-8333-${String(n).padStart(12, '0')}`,
    owner: TEAM_A,
    productionDeploymentId: production.id,
    ...overrides,
  });
}

async function render(
  project: Project,
  authorize: Decide,
  identity?: typeof ALICE,
) {
  server.use(...projectHandlers(project, () => [building, production, older]));
  await renderInTestApp(
    <ProjectView projectId="my-site" allowDelete />,
    testApp({ authorize, identity }),
  );
}

/** The reason a control is disabled, once the policy has answered. */
async function reason(name: string, expected: string) {
  await waitFor(() =>
    expect(
      screen.getAllByTestId(`disabled-reason-${name}`).map(e => e.title),
    ).toContain(expected),
  );
}

const only = (what: string) =>
  `Only the owner (group:default/team-a) or a Novahost admin can ${what}`;

describe('ProjectView permissions', () => {
  it('disables every change, with the reason, for a user who may only read', async () => {
    await render(teamProject(), denyAll);

    await reason('Delete project', only('delete this project'));
    expect(
      screen.getByRole('button', { name: /Delete project/ }),
    ).toBeDisabled();
    await reason('Deploy', only('deploy this project'));
    expect(screen.getByRole('button', { name: /^Deploy$/ })).toBeDisabled();
    await reason(
      'Rollback',
      only("promote or roll back this project's deployments"),
    );
    expect(screen.getByRole('button', { name: 'Rollback' })).toBeDisabled();
    // The running build too: the permission is the reason, not its state.
    await waitFor(() =>
      expect(
        screen.getAllByTestId('disabled-reason-Cancel').map(e => e.title),
      ).toEqual(Array(3).fill(only("cancel this project's deployments"))),
    );
    await reason('Save settings', only("change this project's settings"));
    expect(screen.getByTestId('settings-read-only')).toHaveTextContent(
      `${only("change this project's settings")}.`,
    );
    expect(screen.getByLabelText('Build command')).toBeDisabled();
    expect(screen.getByRole('button', { name: /^Owner/ })).toHaveAttribute(
      'aria-disabled',
      'true',
    );

    // The reason shows on hover; a click does nothing.
    await userEvent.hover(screen.getByTestId('disabled-reason-Delete project'));
    expect(await screen.findByRole('tooltip')).toHaveTextContent(
      only('delete this project'),
    );
    fireEvent.click(screen.getByRole('button', { name: /Delete project/ }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('asks the policy about this project, action by action', async () => {
    const project = teamProject();
    // The page is opened by slug; the decision is about the project's id.
    await render(project, req =>
      req.resourceRef === project.id &&
      req.permission.name !== novahostProjectDeletePermission.name
        ? AuthorizeResult.ALLOW
        : AuthorizeResult.DENY,
    );
    await reason('Delete project', only('delete this project'));
    await waitFor(() =>
      expect(screen.getByRole('button', { name: /^Deploy$/ })).toBeEnabled(),
    );
    expect(screen.getByRole('button', { name: 'Rollback' })).toBeEnabled();
    expect(screen.getByLabelText('Build command')).toBeEnabled();
    expect(screen.queryByTestId('settings-read-only')).toBeNull();
  });

  it('links the owner and the catalog entity; the owner follows the entity', async () => {
    await render(
      teamProject({ entityRef: 'component:default/web-site' }),
      allowAll,
    );
    const owner = await screen.findByTestId('project-owner');
    expect(within(owner).getByRole('link')).toHaveAttribute(
      'href',
      '/catalog/default/group/team-a',
    );
    expect(
      within(screen.getByTestId('project-entity')).getByRole('link'),
    ).toHaveAttribute('href', '/catalog/default/component/web-site');
    expect(screen.getByTestId('owner-follows-entity')).toHaveTextContent(
      /The owner follows the catalog entity/,
    );
    // No owner picker: the API refuses changing a linked project's owner.
    expect(screen.queryByRole('button', { name: /^Owner/ })).toBeNull();
  });

  it('lets an owner hand the project to another of their groups', async () => {
    const project = teamProject();
    let patch: any;
    server.use(
      http.patch(`${base}/projects/:id`, async ({ request }) => {
        patch = await request.json();
        return HttpResponse.json({ ...project, ...patch });
      }),
    );
    await render(project, allowAll, ALICE);
    const select = await screen.findByRole('button', { name: /^Owner/ });
    expect(select).toHaveTextContent(TEAM_A);
    await waitFor(() => expect(select).not.toHaveAttribute('aria-disabled'));
    fireEvent.mouseDown(select);
    const options = await screen.findAllByRole('option');
    // The current owner, then alice's own user and other group.
    expect(options.map(o => o.textContent)).toEqual([
      expect.stringContaining(TEAM_A),
      expect.stringContaining('user:default/alice'),
      expect.stringContaining('group:default/team-b'),
    ]);
    await userEvent.click(options[2]);
    await userEvent.click(
      screen.getByRole('button', { name: 'Save settings' }),
    );
    await waitFor(() =>
      expect(patch).toMatchObject({ owner: 'group:default/team-b' }),
    );
  });
});
