import { Config } from '@backstage/config';

/** One configured ArgoCD instance. */
export type ArgoInstance = {
  name: string;
  /** Without a trailing slash. */
  url: string;
  token?: string;
  username?: string;
  password?: string;
};

/**
 * Reads `argocd.appLocatorMethods[type=config].instances`, the layout the
 * community ArgoCD backend uses, so one section configures views and actions.
 * No section (the embedded default) means no instances.
 */
export function readArgoInstances(
  config: Config,
  warn: (message: string) => void = () => {},
): ArgoInstance[] {
  const methods = config.getOptionalConfigArray('argocd.appLocatorMethods');
  const instances: ArgoInstance[] = [];
  for (const method of methods ?? []) {
    const type = method.getString('type');
    if (type !== 'config') {
      throw new Error(
        `argocd.appLocatorMethods: unsupported type '${type}' (only 'config')`,
      );
    }
    for (const c of method.getOptionalConfigArray('instances') ?? []) {
      const name = c.getString('name');
      const url = c.getOptionalString('url');
      if (!url) {
        // e.g. production config with ARGOCD_URL unset: ArgoCD is not used.
        warn(`ArgoCD instance '${name}' has no url; it is ignored`);
        continue;
      }
      const instance: ArgoInstance = {
        name,
        url: url.replace(/\/+$/, ''),
        token: c.getOptionalString('token') || undefined,
        username: c.getOptionalString('username') || undefined,
        password: c.getOptionalString('password') || undefined,
      };
      if (!instance.token && !(instance.username && instance.password)) {
        throw new Error(
          `ArgoCD instance '${instance.name}' needs a token or a username and password`,
        );
      }
      if (instances.some(i => i.name === instance.name)) {
        throw new Error(
          `ArgoCD instance '${instance.name}' is configured twice`,
        );
      }
      instances.push(instance);
    }
  }
  return instances;
}
