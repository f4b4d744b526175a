/**
 * The Novahost proxy program: serves every deployment at
 * `<slug>.<base-domain>` until SIGTERM or SIGINT. Reads the same app-config
 * files as the backend (`--config` flags, or app-config.yaml and
 * app-config.local.yaml at the repository root).
 */
import { ConfigSources } from '@backstage/config-loader';
import { createConsoleLogger, readProxyConfig, startProxy } from './index';

async function main() {
  const logger = createConsoleLogger({
    level: (process.env.LOG_LEVEL as 'info') ?? 'info',
  });
  // The repository root is found from the working directory, as the
  // Backstage backend does.
  const source = ConfigSources.default({ argv: process.argv });
  const config = await ConfigSources.toConfig(source);
  const proxy = await startProxy(readProxyConfig(config), logger);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down: draining connections', { signal });
    const force = setTimeout(() => process.exit(0), 10_000);
    force.unref();
    proxy.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch(error => {
  process.stderr.write(`novahost-proxy: ${error?.stack ?? error}\n`);
  process.exit(1);
});
