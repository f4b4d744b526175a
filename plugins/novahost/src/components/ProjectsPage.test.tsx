import { renderInTestApp } from '@backstage/frontend-test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { testApp } from '../__testUtils__/app';
import { makeDeployment, makeProject } from '../__testUtils__/fixtures';
import {
  base,
  errorBody,
  page,
  setupNovahostServer,
} from '../__testUtils__/server';
import { ProjectsPage } from './ProjectsPage';

const server = setupNovahostServer();

/** Signed in as alice, a member of team-a and team-b. */
const ALICE = {
  userEntityRef: 'user:default/alice',
  ownershipEntityRefs: [
    'user:default/alice',
    'group:default/team-a',
    'group:default/team-b',
  ],
};
const render = () =>
  renderInTestApp(<ProjectsPage />, testApp({ identity: ALICE }));

const field = (dialog: HTMLElement, name: string) =>
  within(dialog).getByTestId(`field-${name}`);

/** Renders the page and opens the new-project form. */
async function openNewProjectDialog() {
  await render();
  await userEvent.click(
    (
      await screen.findAllByRole('button', { name: /New project/ })
    )[0],
  );
  return screen.findByRole('dialog');
}

describe('ProjectsPage', () => {
  it('lists projects with owner, URL, last deployment and framework', async () => {
    // The detected framework wins over the guess from `vite build`.
    const deployment = makeDeployment({
      status: 'building',
      finishedAt: null,
      framework: 'nextjs',
    });
    server.use(
      http.get(`${base}/projects`, () =>
        HttpResponse.json(
          page([
            makeProject({
              productionDeploymentId: 'x',
              latestDeployment: deployment,
            }),
            makeProject({
              id: 'p2',
              name: 'Docs',
              slug: 'docs',
              owner: null,
              buildCommand: null,
              url: 'http://docs.localhost:8080',
              latestDeployment: null,
            }),
            // Not detected (a queued build, an older backend): the guess.
            makeProject({
              id: 'p3',
              name: 'Shop',
              slug: 'shop',
              owner: null,
              productionDeploymentId: 'y',
              buildCommand: 'astro build',
              url: 'http://shop.localhost:8080',
              latestDeployment: makeDeployment({ status: 'queued' }),
            }),
            // A framework id this frontend does not know yet.
            makeProject({
              id: 'p4',
              name: 'Blog',
              slug: 'blog',
              owner: null,
              productionDeploymentId: 'z',
              url: 'http://blog.localhost:8080',
              latestDeployment: makeDeployment({ framework: 'qwik' }),
            }),
          ]),
        ),
      ),
    );
    await render();
    // The owner links to its catalog page.
    expect(await screen.findByRole('link', { name: 'web' })).toHaveAttribute(
      'href',
      '/catalog/default/group/web',
    );
    expect(screen.getByText('my-site.localhost:8080')).toHaveAttribute(
      'href',
      'http://my-site.localhost:8080',
    );
    expect(screen.getByText('Building')).toBeInTheDocument();
    expect(screen.getByText('Next.js')).toBeInTheDocument();
    expect(screen.getByText('Astro')).toBeInTheDocument();
    expect(screen.getByText('qwik')).toBeInTheDocument();
    expect(screen.queryByText('Vite')).not.toBeInTheDocument();
    expect(screen.getByText('My Site')).toHaveAttribute(
      'href',
      '/novahost/projects/my-site',
    );
    expect(screen.getByText('Not deployed yet')).toBeInTheDocument();
    expect(screen.getByText('Other')).toBeInTheDocument();
  });

  it('searches on the server', async () => {
    const searches: string[] = [];
    server.use(
      http.get(`${base}/projects`, ({ request }) => {
        const search = new URL(request.url).searchParams.get('search') ?? '';
        searches.push(search);
        return HttpResponse.json(
          page(
            search === 'zzz'
              ? []
              : [
                  makeProject(),
                  makeProject({ id: 'b', name: 'Blog', slug: 'blog' }),
                ],
          ),
        );
      }),
    );
    await render();
    expect(await screen.findByText('Blog')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Search projects'), 'zzz');
    expect(
      await screen.findByText('No project matches the filter.'),
    ).toBeInTheDocument();
    expect(searches).toContain('zzz');
  });

  it('shows the empty state with a way to create the first project', async () => {
    server.use(http.get(`${base}/projects`, () => HttpResponse.json(page([]))));
    await render();
    expect(await screen.findByText('No projects yet')).toBeInTheDocument();
  });

  it('shows errors', async () => {
    server.use(
      http.get(`${base}/projects`, () =>
        errorBody(500, 'Error', 'database is down'),
      ),
    );
    await render();
    expect(await screen.findByText(/database is down/)).toBeInTheDocument();
  });

  it('validates the new project form before sending, then creates it', async () => {
    server.use(http.get(`${base}/projects`, () => HttpResponse.json(page([]))));
    let created: any;
    server.use(
      http.post(`${base}/projects`, async ({ request }) => {
        created = await request.json();
        return HttpResponse.json(
          makeProject({ name: created.name, slug: 'new-site' }),
          { status: 201 },
        );
      }),
    );
    const dialog = await openNewProjectDialog();
    await userEvent.type(field(dialog, 'name'), 'New Site');
    await userEvent.type(field(dialog, 'repoUrl'), 'ftp://nope');
    await userEvent.type(field(dialog, 'outputDirectory'), '../up');
    await userEvent.click(within(dialog).getByText('Create'));
    expect(
      await within(dialog).findByText(/must be an https:\/\/ URL/),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByText(/without ".." segments/),
    ).toBeInTheDocument();
    expect(created).toBeUndefined();

    await userEvent.clear(field(dialog, 'repoUrl'));
    await userEvent.type(field(dialog, 'repoUrl'), '/srv/git/new-site');
    await userEvent.clear(field(dialog, 'outputDirectory'));
    await userEvent.click(within(dialog).getByText('Create'));
    await waitFor(() => expect(created).toBeDefined());
    expect(created).toMatchObject({
      name: 'New Site',
      repoUrl: '/srv/git/new-site',
      // The default owner, as the backend's: the signed-in user.
      owner: 'user:default/alice',
    });
    expect(created.outputDirectory).toBeUndefined();
  });

  it('shows the backend refusal in the form', async () => {
    server.use(
      http.get(`${base}/projects`, () => HttpResponse.json(page([]))),
      http.post(`${base}/projects`, () =>
        errorBody(409, 'ConflictError', "A project named 'x' exists"),
      ),
    );
    const dialog = await openNewProjectDialog();
    await userEvent.type(field(dialog, 'name'), 'x');
    await userEvent.type(field(dialog, 'repoUrl'), 'https://github.com/a/b');
    await userEvent.click(within(dialog).getByText('Create'));
    expect(
      await within(dialog).findByText("A project named 'x' exists"),
    ).toBeInTheDocument();
  });

  it("offers the user's own user and groups as owner, and sends the one picked", async () => {
    server.use(http.get(`${base}/projects`, () => HttpResponse.json(page([]))));
    let created: any;
    server.use(
      http.post(`${base}/projects`, async ({ request }) => {
        created = await request.json();
        return HttpResponse.json(makeProject({ slug: 'team-site' }), {
          status: 201,
        });
      }),
    );
    const dialog = await openNewProjectDialog();
    const owner = await within(dialog).findByRole('button', {
      name: /^Owner/,
    });
    await waitFor(() => expect(owner).toHaveTextContent('user:default/alice'));
    fireEvent.mouseDown(owner);
    const options = await screen.findAllByRole('option');
    expect(options.map(o => o.textContent)).toEqual([
      expect.stringContaining('user:default/alice'),
      expect.stringContaining('group:default/team-a'),
      expect.stringContaining('group:default/team-b'),
    ]);
    await userEvent.click(options[2]);
    await userEvent.type(field(dialog, 'name'), 'Team Site');
    await userEvent.type(field(dialog, 'repoUrl'), 'https://github.com/a/b');
    await userEvent.click(within(dialog).getByText('Create'));
    await waitFor(() =>
      expect(created).toMatchObject({ owner: 'group:default/team-b' }),
    );
  });
});
