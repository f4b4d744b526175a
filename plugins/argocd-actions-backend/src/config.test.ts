import { ConfigReader } from '@backstage/config';
import { readArgoInstances } from './config';

type ConfigData = ConstructorParameters<typeof ConfigReader>[0];

const read = (argocd: unknown, warn?: (m: string) => void) =>
  readArgoInstances(new ConfigReader({ argocd } as ConfigData), warn);

describe('readArgoInstances', () => {
  it('reads token and account instances, without trailing slashes', () => {
    expect(
      read({
        appLocatorMethods: [
          {
            type: 'config',
            instances: [
              { name: 'main', url: 'https://argocd.example.com/', token: 't' },
              {
                name: 'lab',
                url: 'http://argocd.lab',
                username: 'backstage',
                password: 'p',
              },
            ],
          },
        ],
      }),
    ).toEqual([
      {
        name: 'main',
        url: 'https://argocd.example.com',
        token: 't',
        username: undefined,
        password: undefined,
      },
      {
        name: 'lab',
        url: 'http://argocd.lab',
        token: undefined,
        username: 'backstage',
        password: 'p',
      },
    ]);
  });

  it('has no instances without the section or with an empty list', () => {
    expect(read(undefined)).toEqual([]);
    expect(
      read({ appLocatorMethods: [{ type: 'config', instances: [] }] }),
    ).toEqual([]);
  });

  it('ignores, with a warning, an instance whose URL is unset', () => {
    const warnings: string[] = [];
    expect(
      read(
        {
          appLocatorMethods: [
            { type: 'config', instances: [{ name: 'main' }] },
          ],
        },
        m => warnings.push(m),
      ),
    ).toEqual([]);
    expect(warnings).toEqual([
      "ArgoCD instance 'main' has no url; it is ignored",
    ]);
  });

  it('refuses instances without credentials, duplicates and other locators', () => {
    expect(() =>
      read({
        appLocatorMethods: [
          { type: 'config', instances: [{ name: 'main', url: 'http://a' }] },
        ],
      }),
    ).toThrow(
      "ArgoCD instance 'main' needs a token or a username and password",
    );
    expect(() =>
      read({
        appLocatorMethods: [
          {
            type: 'config',
            instances: [
              { name: 'main', url: 'http://a', token: 't' },
              { name: 'main', url: 'http://b', token: 't' },
            ],
          },
        ],
      }),
    ).toThrow('configured twice');
    expect(() =>
      read({ appLocatorMethods: [{ type: 'cluster', instances: [] }] }),
    ).toThrow("unsupported type 'cluster'");
  });
});
