import { mergedValues, renderChart } from './index.ts';

describe('the chart refuses values it cannot deploy safely', () => {
  it('fails when the portal would shadow a project slug', () => {
    expect(() =>
      renderChart({ set: { 'portal.host': `www.${valuesDomain()}` } }),
    ).toThrow(/portal.host www\..* is a site host .*"www"/);
  });

  // Sites can set cookies for their registrable domain; the portal must not
  // receive them (cookie tossing). No Public Suffix List in a template: the
  // last two labels, three under co/com/net/org/gov/ac/edu.
  it.each([
    ['portal.novahost.example', 'sites.novahost.example', 'novahost.example'],
    ['novahost.example', 'novahost.example', 'novahost.example'],
    ['a.b.novahost.example', 'sites.novahost.example', 'novahost.example'],
    ['portal.example.co.uk', 'sites.example.co.uk', 'example.co.uk'],
    ['portal.example.com.au', 'sites.example.com.au', 'example.com.au'],
  ])('fails when portal %s and sites %s share %s', (portal, domain, shared) => {
    expect(() =>
      renderChart({ set: { 'portal.host': portal, domain } }),
    ).toThrow(
      new RegExp(
        `portal.host ${portal} and domain ${domain} share the registrable domain ${shared}: .*cookie tossing.*registrable domain of their own.*Public Suffix List`,
      ),
    );
  });

  it.each([
    ['portal.novahost.example', 'novahost-sites.example'],
    ['portal.novahost.dev', 'novahost.app'],
    ['portal.example.co.uk', 'sites.example-sites.co.uk'],
    ['portal.example.com.au', 'example-sites.com.au'],
    ['novahost.example', 'sites.example'],
  ])('renders with portal %s and sites %s', (portal, domain) => {
    const { objects } = renderChart({ set: { 'portal.host': portal, domain } });
    const hosts = objects
      .filter(o => o.kind === 'Ingress')
      .map(o => o.spec.rules[0].host);
    expect(hosts.sort()).toEqual([`*.${domain}`, portal].sort());
  });

  it('fails when autoscaling bounds are reversed', () => {
    expect(() =>
      renderChart({ set: { 'proxy.autoscaling.minReplicas': 50 } }),
    ).toThrow(/minReplicas \(50\) is above maxReplicas/);
  });

  it('fails without an ACME e-mail when it creates the issuer', () => {
    expect(() =>
      renderChart({ set: { 'certManager.clusterIssuer.email': '' } }),
    ).toThrow(/email is required/);
  });

  it('renders no ingress or certificate objects when both are off', () => {
    const { objects } = renderChart({
      set: { 'ingress.enabled': false, 'certManager.enabled': false },
    });
    expect(
      objects.filter(o =>
        ['Ingress', 'Certificate', 'ClusterIssuer'].includes(o.kind),
      ),
    ).toEqual([]);
  });

  function valuesDomain(): string {
    return (mergedValues({}) as any).domain;
  }
});
