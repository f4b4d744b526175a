import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { EnvVar, Project } from '@internal/plugin-novahost-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { denyAll, testApp, type Decide } from '../__testUtils__/app';
import { makeProject } from '../__testUtils__/fixtures';
import { base, errorBody, setupNovahostServer } from '../__testUtils__/server';
import { EnvVarsCard } from './EnvVarsCard';

const server = setupNovahostServer();

const SECRET = 'cms-token-do-not-show';
const hoursAgo = (h: number) =>
  new Date(Date.now() - h * 3_600_000).toISOString();

let n = 0;
/** A project with its own id: permission decisions are cached per id. */
function project(): Project {
  n += 1;
  return makeProject({
    id: `55555555-5555-4555-8555-${String(n).padStart(12, '0')}`,
  });
}

/**
 * The variables route answering `items`, recording every write. A secret
 * in the list carries a value here, as a faulty backend might send it: the
 * card must still not show it.
 */
function envRoutes(items: EnvVar[]) {
  const calls: string[] = [];
  server.use(
    http.get(`${base}/projects/:id/env`, () => HttpResponse.json({ items })),
    http.put(`${base}/projects/:id/env/:name`, async ({ params, request }) => {
      const body = (await request.json()) as any;
      calls.push(`PUT ${params.name} ${JSON.stringify(body)}`);
      if (params.name === 'TAKEN') {
        return errorBody(400, 'InputError', 'over the limit');
      }
      return HttpResponse.json({
        name: params.name,
        targets: body.targets,
        secret: body.secret,
        updatedAt: new Date().toISOString(),
        updatedBy: 'user:default/me',
      });
    }),
    http.delete(`${base}/projects/:id/env/:name`, ({ params, request }) => {
      calls.push(`DELETE ${params.name}${new URL(request.url).search}`);
      return new HttpResponse(null, { status: 204 });
    }),
  );
  return calls;
}

const ITEMS: EnvVar[] = [
  {
    name: 'API_URL',
    targets: ['production'],
    secret: false,
    value: 'https://api.example.com',
    updatedAt: hoursAgo(1),
    updatedBy: 'user:default/me',
  },
  {
    name: 'API_URL',
    targets: ['preview'],
    secret: false,
    value: 'https://preview.example.com',
    updatedAt: hoursAgo(1),
    updatedBy: 'user:default/me',
  },
  {
    name: 'CMS_TOKEN',
    targets: ['production', 'preview'],
    secret: true,
    value: SECRET,
    updatedAt: hoursAgo(2),
    updatedBy: 'user:default/me',
  },
];

const render = (p: Project, authorize?: Decide) =>
  renderInTestApp(<EnvVarsCard project={p} />, testApp({ authorize }));

const row = (id: string) => screen.findByTestId(`env-var-${id}`);
const enabled = async (name: string, scope = screen) => {
  const button = await scope.findByRole('button', { name });
  await waitFor(() => expect(button).toBeEnabled());
  return button;
};

describe('EnvVarsCard', () => {
  it('lists values per target, and of a secret only that it is set', async () => {
    envRoutes(ITEMS);
    await render(project());
    expect(await row('API_URL-production')).toHaveTextContent(
      'API_URLProductionhttps://api.example.com1h ago',
    );
    expect(await row('API_URL-preview')).toHaveTextContent(
      'https://preview.example.com',
    );
    expect(await row('CMS_TOKEN-production-preview')).toHaveTextContent(
      'CMS_TOKENProductionPreviewSecret: set, changed 2h ago',
    );
    expect(document.body.innerHTML).not.toContain(SECRET);
  });

  it('adds a secret without ever showing it, after checking it as the API will', async () => {
    const calls = envRoutes([]);
    await render(project());
    expect(await screen.findByTestId('env-vars-empty')).toBeInTheDocument();
    await userEvent.click(await enabled('Add variable'));
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByLabelText('Name'), 'NOVAHOST_URL');
    await userEvent.type(within(dialog).getByLabelText('Value'), 'short');
    await userEvent.click(within(dialog).getByLabelText(/^Secret/));
    await userEvent.click(within(dialog).getByLabelText('Preview'));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(
      await within(dialog).findByText(/NOVAHOST_URL is reserved by Novahost/),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByText(/a secret must be at least 8 characters/),
    ).toBeInTheDocument();
    expect(calls).toEqual([]);

    const name = within(dialog).getByLabelText('Name');
    await userEvent.clear(name);
    await userEvent.type(name, 'CMS_TOKEN');
    const value = within(dialog).getByLabelText('Value');
    expect(value).toHaveAttribute('type', 'password');
    await userEvent.clear(value);
    await userEvent.type(value, SECRET);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(calls).toEqual([
        `PUT CMS_TOKEN {"value":"${SECRET}","targets":["production"],"secret":true}`,
      ]),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(document.body.innerHTML).not.toContain(SECRET);
  });

  it('edits targets (a removed one is deleted) and deletes one target of a name', async () => {
    const calls = envRoutes(ITEMS);
    await render(project());
    const prod = await row('API_URL-production');
    await userEvent.click(await enabled('Edit', within(prod) as any));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByLabelText('Name')).toBeDisabled();
    expect(within(dialog).getByLabelText('Value')).toHaveValue(
      'https://api.example.com',
    );
    await userEvent.click(within(dialog).getByLabelText('Preview'));
    await userEvent.click(within(dialog).getByLabelText('Production'));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(calls).toEqual([
        'PUT API_URL {"value":"https://api.example.com","targets":["preview"],"secret":false}',
        'DELETE API_URL?target=production',
      ]),
    );

    await userEvent.click(
      await enabled('Delete', within(await row('API_URL-preview')) as any),
    );
    await userEvent.click(
      await screen.findByRole('button', { name: 'Delete variable' }),
    );
    await waitFor(() => expect(calls[2]).toBe('DELETE API_URL?target=preview'));

    // A secret is edited with a new value only.
    await userEvent.click(
      await enabled(
        'Edit',
        within(await row('CMS_TOKEN-production-preview')) as any,
      ),
    );
    const secretDialog = await screen.findByRole('dialog');
    expect(within(secretDialog).getByLabelText('New value')).toHaveValue('');
  });

  it('sets every variable of a pasted .env file and lists what it leaves out', async () => {
    const calls = envRoutes([]);
    await render(project());
    await userEvent.click(await enabled('Paste .env'));
    const dialog = await screen.findByRole('dialog');
    const text = [
      '# production settings',
      'export VITE_API_URL=https://api.example.com',
      'CMS_TOKEN="a long secret value"',
      'TAKEN=x',
      'PATH=/bin',
      'not a variable',
    ].join('\n');
    // user-event types braces and brackets as keys: paste instead.
    await userEvent.click(within(dialog).getByLabelText('.env'));
    await userEvent.paste(text);
    expect(within(dialog).getByTestId('env-paste-summary')).toHaveTextContent(
      '3 variables to set: VITE_API_URL, CMS_TOKEN, TAKEN',
    );
    const problems = within(dialog).getByTestId('env-paste-problems');
    expect(problems).toHaveTextContent('Line 6: not NAME=value');
    expect(problems).toHaveTextContent('Line 5: PATH is reserved by Novahost');
    await userEvent.click(within(dialog).getByLabelText('Production'));
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Save 3 variables' }),
    );
    await waitFor(() =>
      expect(calls).toEqual([
        'PUT VITE_API_URL {"value":"https://api.example.com","targets":["preview"],"secret":false}',
        'PUT CMS_TOKEN {"value":"a long secret value","targets":["preview"],"secret":false}',
        'PUT TAKEN {"value":"x","targets":["preview"],"secret":false}',
      ]),
    );
    // One refused: said, and the dialog closes on what was saved.
    expect(
      await screen.findByText(/Saved 2; not saved: TAKEN: over the limit/),
    ).toBeInTheDocument();
  });

  it('says why a user who may not change the project cannot', async () => {
    envRoutes(ITEMS);
    await render(project(), denyAll);
    await waitFor(() =>
      expect(screen.getByTestId('disabled-reason-env-add')).toHaveAttribute(
        'title',
        "Only the owner (group:default/web) or a Novahost admin can change this project's settings",
      ),
    );
    expect(screen.getByRole('button', { name: 'Add variable' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Paste .env' })).toBeDisabled();
    expect(
      (await row('API_URL-production')).querySelector('button'),
    ).toBeDisabled();
  });
});
