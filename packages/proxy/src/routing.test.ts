import type { RouteTable } from '@internal/plugin-novahost-common';
import { buildRoutingIndex, parseRouteTable, resolveTarget } from './routing';

const table: RouteTable = {
  version: 1,
  generatedAt: '',
  projects: [
    {
      id: 'p1',
      slug: 'shop',
      spa: false,
      productionDeploymentId: 'd-prod',
      deployments: [
        { id: 'd-prod', shortId: 'ab12cd34' },
        { id: 'd-old', shortId: 'zz99yy88' },
      ],
      domains: ['www.shop.example', 'shop.example'],
      aliases: [
        { label: 'shop-git-feature-x', deploymentId: 'd-old' },
        { label: 'shop-git-main', deploymentId: 'd-prod' },
      ],
    },
    {
      id: 'p2',
      slug: 'empty',
      spa: false,
      productionDeploymentId: null,
      deployments: [],
      domains: [],
      aliases: [],
    },
    // A project whose slug looks like `<slug>-<shortId>` of `shop`: the project wins.
    {
      id: 'p3',
      slug: 'shop-zz99yy88',
      spa: false,
      productionDeploymentId: 'd-p3',
      deployments: [],
      domains: [],
      aliases: [],
    },
  ],
};
const index = buildRoutingIndex(table, 'novahost.test');

describe('resolveTarget', () => {
  it.each([
    ['shop.novahost.test', '/', 'd-prod', 'production', ''],
    ['SHOP.Novahost.Test', '/a', 'd-prod', 'production', 'a'],
    ['shop.novahost.test:8080', '/docs/', 'd-prod', 'production', 'docs/'],
    ['shop.novahost.test.', '/x?y=1', 'd-prod', 'production', 'x'],
    ['shop-ab12cd34.novahost.test', '/', 'd-prod', 'deployment', ''],
    ['shop-AB12CD34.novahost.test', '/', 'd-prod', 'deployment', ''],
    ['shop-zz99yy88.novahost.test', '/', 'd-p3', 'production', ''],
    ['shop.novahost.test', '/caf%C3%A9', 'd-prod', 'production', 'café'],
    ['www.shop.example', '/', 'd-prod', 'production', ''],
    ['WWW.Shop.Example.:443', '/a', 'd-prod', 'production', 'a'],
    ['shop.example', '/', 'd-prod', 'production', ''],
    // A branch alias serves the branch's newest ready deployment.
    ['shop-git-feature-x.novahost.test', '/a', 'd-old', 'alias', 'a'],
    ['Shop-Git-Main.novahost.test', '/', 'd-prod', 'alias', ''],
  ])('%s %s → %s', (host, path, deploymentId, via, decoded) => {
    const r = resolveTarget(index, host, path);
    expect(r).toEqual({
      ok: true,
      target: expect.objectContaining({ deploymentId, via, path: decoded }),
    });
  });

  it.each([
    ['novahost.test', '/', 'unknown_host'],
    ['nope.novahost.test', '/', 'unknown_host'],
    ['a.shop.novahost.test', '/', 'unknown_host'],
    ['shop.evil.test', '/', 'unknown_host'],
    ['shopnovahost.test', '/', 'unknown_host'],
    [undefined, '/', 'unknown_host'],
    ['shop.novahost.test@evil.test', '/', 'unknown_host'],
    ['[::1]:8080', '/', 'unknown_host'],
    ['evil.shop.example', '/', 'unknown_host'],
    ['shop.example.evil.test', '/', 'unknown_host'],
    ['empty.novahost.test', '/', 'no_production_deployment'],
    ['shop-00000000.novahost.test', '/', 'unknown_deployment'],
    ['shop-git-gone.novahost.test', '/', 'unknown_host'],
    ['shop.novahost.test', '/../etc/passwd', 'bad_request'],
    ['shop.novahost.test', 'http://evil.test/', 'bad_request'],
  ])('%s %s → %s', (host, path, code) => {
    expect(resolveTarget(index, host, path)).toEqual({ ok: false, code });
  });
});

describe('parseRouteTable', () => {
  it('accepts a table and rejects malformed ones', () => {
    expect(parseRouteTable(JSON.parse(JSON.stringify(table)))).toEqual(table);
    expect(() => parseRouteTable(null)).toThrow(/not an object/);
    expect(() => parseRouteTable({ projects: [] })).toThrow(/version/);
    expect(() =>
      parseRouteTable({ version: 1, projects: [{ id: 'x' }] }),
    ).toThrow(/id or slug/);
    expect(() =>
      parseRouteTable({
        version: 1,
        projects: [{ id: 'x', slug: 'x', deployments: [{ id: 1 }] }],
      }),
    ).toThrow(/deployments\[0\]/);
    expect(() =>
      parseRouteTable({
        version: 1,
        projects: [{ id: 'x', slug: 'x', aliases: [{ label: 'x-git-a' }] }],
      }),
    ).toThrow(/aliases is invalid/);
  });
});
