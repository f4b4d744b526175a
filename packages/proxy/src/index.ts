/**
 * The Novahost proxy as a library: start one from its settings, read the
 * settings from app-config, log as it does. The program is `main.ts`.
 */
export { startProxy, type RunningProxy } from './proxy';
export { readProxyConfig, type ProxyConfig } from './config';
export {
  createConsoleLogger,
  type Logger,
  type LogFields,
  type LogLevel,
} from './logger';
