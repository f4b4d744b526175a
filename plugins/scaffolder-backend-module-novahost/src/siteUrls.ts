import { Config } from '@backstage/config';
import { SiteUrlOptions } from '@internal/plugin-novahost-common';

/**
 * The proxy's public URL settings, read the way the Novahost backend reads
 * them, so a dry run can show the URL a real run would get.
 */
export function siteUrlOptions(config: Config): SiteUrlOptions {
  return {
    baseDomain:
      config.getOptionalString('novahost.proxy.baseDomain') ?? 'localhost',
    scheme: config.getOptionalString('novahost.proxy.publicScheme') ?? 'http',
    port:
      config.getOptionalNumber('novahost.proxy.publicPort') ??
      (config.has('novahost.proxy.publicScheme')
        ? undefined
        : config.getOptionalNumber('novahost.proxy.listen.port') ?? 8080),
  };
}
