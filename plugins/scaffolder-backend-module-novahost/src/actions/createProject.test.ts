import {
  mockServices,
  registerMswTestHooks,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  API,
  discovery,
  project,
  recorder,
} from '../__testUtils__/fakeNovahost';
import { createNovahostProjectAction } from './createProject';

describe('novahost:project:create', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const config = new ConfigReader({
    novahost: { proxy: { baseDomain: 'sites.test', publicScheme: 'https' } },
  });
  const action = createNovahostProjectAction({
    discovery,
    auth: mockServices.auth(),
    config,
  });

  /** A fake API holding projects by slug, like the real one. */
  function fakeApi(initial: ReturnType<typeof project>[] = []) {
    const projects = new Map(initial.map(p => [p.slug, p]));
    const rec = recorder();
    server.use(
      rec.record,
      http.get(`${API}/projects/:slug`, ({ params }) => {
        const p = projects.get(params.slug as string);
        return p
          ? HttpResponse.json(p)
          : HttpResponse.json(
              {
                error: {
                  name: 'NotFoundError',
                  message: `Project '${params.slug}' not found`,
                },
              },
              { status: 404 },
            );
      }),
      http.post(`${API}/projects`, async ({ request }) => {
        const body = (await request.json()) as any;
        if (projects.has(body.slug)) {
          return HttpResponse.json(
            {
              error: {
                name: 'ConflictError',
                message: `The slug '${body.slug}' is taken`,
              },
            },
            { status: 409 },
          );
        }
        const p = project({ ...body, url: `https://${body.slug}.sites.test` });
        projects.set(p.slug, p);
        return HttpResponse.json(p, { status: 201 });
      }),
      rec.notFound,
    );
    return { projects, requests: rec.requests };
  }

  it('creates the project with a plugin token on behalf of the initiator', async () => {
    const api = fakeApi();
    const ctx = createMockActionContext({
      input: {
        name: 'Marketing Site',
        repoUrl: '/srv/repos/marketing.git',
        owner: 'group:default/web',
        entityRef: 'component:default/marketing-site',
        spa: true,
      },
    });
    await action.handler(ctx as any);

    const post = api.requests.find(r => r.method === 'POST')!;
    // The entity ref lets the backend link the project to its catalog entity.
    expect(post.body).toEqual({
      name: 'Marketing Site',
      slug: 'marketing-site',
      repoUrl: '/srv/repos/marketing.git',
      owner: 'group:default/web',
      entityRef: 'component:default/marketing-site',
      spa: true,
    });
    // mockServices.auth issues tokens naming the target plugin and the user.
    expect(post.auth).toMatch(/^Bearer mock-service-token:/);
    expect(decodeURIComponent(post.auth!)).toContain('"target":"novahost"');
    expect(decodeURIComponent(post.auth!)).toContain(
      '"obo":"user:default/mock"',
    );
    expect(ctx.output).toHaveBeenCalledWith('projectId', 'id-marketing-site');
    expect(ctx.output).toHaveBeenCalledWith('slug', 'marketing-site');
    expect(ctx.output).toHaveBeenCalledWith(
      'url',
      'https://marketing-site.sites.test',
    );
    expect(ctx.output).toHaveBeenCalledWith('created', true);
  });

  it('reuses the project a previous run created for the same repository', async () => {
    const api = fakeApi([
      project({ slug: 'docs', repoUrl: 'file:///srv/repos/docs.git' }),
    ]);
    const ctx = createMockActionContext({
      input: { name: 'Docs', repoUrl: '/srv/repos/docs' },
    });
    await action.handler(ctx as any);
    expect(api.requests.map(r => r.method)).toEqual(['GET']);
    expect(ctx.output).toHaveBeenCalledWith('projectId', 'id-docs');
    expect(ctx.output).toHaveBeenCalledWith('created', false);
  });

  it('refuses a slug taken by a project of another repository', async () => {
    const api = fakeApi([
      project({
        slug: 'docs',
        name: 'Docs',
        repoUrl: 'https://github.com/acme/other',
      }),
    ]);
    const ctx = createMockActionContext({
      input: { name: 'Docs', repoUrl: 'https://github.com/acme/docs' },
    });
    await expect(action.handler(ctx as any)).rejects.toThrow(
      "The Novahost slug 'docs' is taken by project 'Docs' of https://github.com/acme/other; choose another name or slug",
    );
    expect(api.requests.some(r => r.method === 'POST')).toBe(false);
  });

  it('reuses the project when a concurrent run created it first (409)', async () => {
    const rec = recorder();
    let created = false;
    const p = project({
      slug: 'race',
      repoUrl: 'https://github.com/acme/race',
    });
    server.use(
      rec.record,
      http.get(`${API}/projects/race`, () =>
        created
          ? HttpResponse.json(p)
          : HttpResponse.json(
              { error: { name: 'NotFoundError', message: 'nope' } },
              { status: 404 },
            ),
      ),
      http.post(`${API}/projects`, () => {
        created = true; // the other run won
        return HttpResponse.json(
          {
            error: {
              name: 'ConflictError',
              message: "The slug 'race' is taken",
            },
          },
          { status: 409 },
        );
      }),
    );
    const ctx = createMockActionContext({
      input: { name: 'Race', repoUrl: 'https://github.com/acme/race' },
    });
    await action.handler(ctx as any);
    expect(rec.requests.map(r => r.method)).toEqual(['GET', 'POST', 'GET']);
    expect(ctx.output).toHaveBeenCalledWith('created', false);
  });

  it("fails with the backend's message when it rejects the project", async () => {
    server.use(
      http.get(`${API}/projects/:slug`, () =>
        HttpResponse.json(
          { error: { name: 'NotFoundError', message: 'nope' } },
          { status: 404 },
        ),
      ),
      http.post(`${API}/projects`, () =>
        HttpResponse.json(
          {
            error: {
              name: 'InputError',
              message:
                'repoUrl: local repositories are only allowed with the local build runner; use an https:// URL',
            },
            response: { statusCode: 400 },
          },
          { status: 400 },
        ),
      ),
    );
    const ctx = createMockActionContext({
      input: { name: 'Local', repoUrl: '/srv/repos/local.git' },
    });
    await expect(action.handler(ctx as any)).rejects.toThrow(
      /Novahost POST \/projects failed: repoUrl: local repositories are only allowed/,
    );
  });

  it.each([
    [
      { name: 'ok', repoUrl: 'ftp://example.com/x' },
      /repoUrl: must be an https:\/\/ URL/,
    ],
    [
      { name: '!!!', repoUrl: 'https://github.com/a/b' },
      /name: must contain at least one letter or digit/,
    ],
    [
      { name: 'ok', slug: 'Not A Slug', repoUrl: 'https://github.com/a/b' },
      /slug: must be a DNS label/,
    ],
    [
      { name: 'ok', repoUrl: 'https://github.com/a/b', rootDirectory: '../up' },
      /rootDirectory/,
    ],
    [
      {
        name: 'ok',
        repoUrl: 'https://github.com/a/b',
        entityRef: 'component:default/',
      },
      /entityRef: must be an entity ref/,
    ],
  ])('validates %j before calling the backend', async (input, error) => {
    const api = fakeApi();
    const ctx = createMockActionContext({ input });
    await expect(action.handler(ctx as any)).rejects.toThrow(error);
    expect(api.requests).toEqual([]);
  });

  it('makes no call in a dry run and previews the slug and URL', async () => {
    const api = fakeApi();
    const ctx = {
      ...createMockActionContext({
        input: {
          name: 'Über Café!',
          repoUrl: 'https://github.com/acme/cafe',
          entityRef: 'component:default/uber-cafe',
        },
      }),
      isDryRun: true,
    };
    const info = jest.spyOn(ctx.logger, 'info');
    await action.handler(ctx as any);
    expect(api.requests).toEqual([]);
    expect(info).toHaveBeenCalledWith(
      "Dry run: would create or reuse Novahost project 'uber-cafe' for https://github.com/acme/cafe (https://uber-cafe.sites.test), owned by the user running the template, linked to component:default/uber-cafe",
    );
    expect(ctx.output).toHaveBeenCalledWith('slug', 'uber-cafe');
    expect(ctx.output).toHaveBeenCalledWith(
      'url',
      'https://uber-cafe.sites.test',
    );
  });

  it('does not call the backend again when a resumed task replays its checkpoint', async () => {
    const api = fakeApi();
    const checkpoints = new Map<string, any>();
    const checkpoint = async ({ key, fn }: { key: string; fn: () => any }) => {
      if (!checkpoints.has(key)) checkpoints.set(key, await fn());
      return checkpoints.get(key);
    };
    const input = {
      name: 'Resumed',
      repoUrl: 'https://github.com/acme/resumed',
    };
    await action.handler({
      ...createMockActionContext({ input }),
      checkpoint,
    } as any);
    const calls = api.requests.length;
    const ctx = { ...createMockActionContext({ input }), checkpoint };
    await action.handler(ctx as any);
    expect(api.requests.length).toBe(calls);
    expect(ctx.output).toHaveBeenCalledWith('projectId', 'id-resumed');
  });
});
