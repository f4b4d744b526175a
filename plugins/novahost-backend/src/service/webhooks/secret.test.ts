import { ConfigReader } from '@backstage/config';
import { webhookSecretLocation } from './secret';

describe('webhookSecretLocation', () => {
  const app = (patch: object) => ({
    integrations: {
      github: [
        { host: 'github.com', apps: [{ appId: 1, privateKey: 'k', ...patch }] },
      ],
    },
  });

  it.each([
    [{}, undefined],
    [
      { events: { modules: { github: { webhookSecret: 's3cret' } } } },
      'events.modules.github.webhookSecret',
    ],
    [
      app({ webhookSecret: 'app-secret' }),
      'integrations.github[].apps[].webhookSecret',
    ],
    [app({}), undefined],
    [app({ appId: undefined, webhookSecret: 'no-app-id' }), undefined],
  ])('%j -> %p', (data, expected) => {
    expect(webhookSecretLocation(new ConfigReader(data))).toBe(expected);
  });
});
