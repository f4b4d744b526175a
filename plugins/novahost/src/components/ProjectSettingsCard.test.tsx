import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { Project } from '@internal/plugin-novahost-common';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { denyAll, testApp, type Decide } from '../__testUtils__/app';
import { makeProject } from '../__testUtils__/fixtures';
import { base, setupNovahostServer } from '../__testUtils__/server';
import { parseWatchPaths, ProjectSettingsCard } from './ProjectSettingsCard';

const server = setupNovahostServer();

let n = 0;
/** A project with its own id: permission decisions are cached per id. */
function project(overrides: Partial<Project> = {}): Project {
  n += 1;
  return makeProject({
    id: `44444444-4444-4444-8444-${String(n).padStart(12, '0')}`,
    entityRef: 'component:default/my-site',
    ...overrides,
  });
}

/** Records PATCH bodies. */
function recordPatches() {
  const patches: any[] = [];
  server.use(
    http.patch(`${base}/projects/:id`, async ({ request }) => {
      const body = await request.json();
      patches.push(body);
      return HttpResponse.json(makeProject(body as Partial<Project>));
    }),
  );
  return patches;
}

async function render(p: Project, authorize?: Decide) {
  const onSaved = jest.fn();
  await renderInTestApp(
    <ProjectSettingsCard project={p} onSaved={onSaved} />,
    testApp({ authorize }),
  );
  return onSaved;
}

async function enabledField(label: string | RegExp) {
  const field = await screen.findByLabelText(label);
  await waitFor(() => expect(field).toBeEnabled());
  return field;
}

describe('parseWatchPaths', () => {
  it('takes one path per line or comma, without blanks', () => {
    expect(parseWatchPaths(' apps/web \n\npackages/ui, shared ,')).toEqual([
      'apps/web',
      'packages/ui',
      'shared',
    ]);
    expect(parseWatchPaths('  \n ')).toEqual([]);
  });
});

describe('ProjectSettingsCard git settings', () => {
  it('saves the production branch, watch paths and fork previews', async () => {
    const patches = recordPatches();
    const onSaved = await render(
      project({ watchPaths: ['apps/web'], allowForkPreviews: false }),
    );
    const branch = await enabledField('Production branch');
    expect(branch).toHaveValue('main');
    expect(screen.getByLabelText('Watch paths')).toHaveValue('apps/web');

    await userEvent.clear(branch);
    await userEvent.type(branch, 'release');
    await userEvent.type(
      screen.getByLabelText('Watch paths'),
      '\npackages/ui, shared',
    );
    await userEvent.click(
      screen.getByLabelText(/Build previews of pull requests from forks/),
    );
    await userEvent.click(
      screen.getByRole('button', { name: 'Save settings' }),
    );
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(patches).toHaveLength(1);
    expect(patches[0]).toMatchObject({
      branch: 'release',
      watchPaths: ['apps/web', 'packages/ui', 'shared'],
      allowForkPreviews: true,
    });
  });

  it('refuses a watch path outside the repository, naming it, before sending', async () => {
    const patches = recordPatches();
    await render(project());
    await userEvent.type(
      await enabledField('Watch paths'),
      'apps/web\n../shared',
    );
    await userEvent.click(
      screen.getByRole('button', { name: 'Save settings' }),
    );
    expect(
      await screen.findByText(
        '../shared: must be a relative path inside the repository without ".." segments',
      ),
    ).toBeInTheDocument();
    expect(patches).toEqual([]);
  });

  it('shows the git settings read-only to a user who may not update the project', async () => {
    await render(
      project({ watchPaths: ['apps/web'], allowForkPreviews: true }),
      denyAll,
    );
    expect(await screen.findByTestId('settings-read-only')).toBeInTheDocument();
    expect(screen.getByLabelText('Production branch')).toBeDisabled();
    expect(screen.getByLabelText('Watch paths')).toBeDisabled();
    const fork = screen.getByLabelText(
      /Build previews of pull requests from forks/,
    );
    expect(fork).toBeChecked();
    expect(fork).toBeDisabled();
  });
});
