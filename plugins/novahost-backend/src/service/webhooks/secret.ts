import type { Config } from '@backstage/config';

/** Where the GitHub module of the events backend reads the shared webhook secret. */
export const WEBHOOK_SECRET_KEY = 'events.modules.github.webhookSecret';
const APP_SECRET_KEY = 'integrations.github[].apps[].webhookSecret';

/**
 * Where a GitHub webhook secret is configured (never the secret): the
 * events module's shared secret, or a GitHub App's own. Undefined when
 * neither is: then the module registers no `/http/github` endpoint, and
 * Novahost acts on no GitHub event (one without a checked signature could
 * come from anyone).
 */
export function webhookSecretLocation(config: Config): string | undefined {
  if (config.getOptionalString(WEBHOOK_SECRET_KEY)) return WEBHOOK_SECRET_KEY;
  const integrations =
    config.getOptionalConfigArray('integrations.github') ?? [];
  const appSecret = integrations.some(i =>
    (i.getOptionalConfigArray('apps') ?? []).some(
      // As the module reads them: an app's secret needs its appId.
      a => a.getOptional('appId') && a.getOptionalString('webhookSecret'),
    ),
  );
  return appSecret ? APP_SECRET_KEY : undefined;
}
