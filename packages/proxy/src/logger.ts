/**
 * A tiny structured logger: one JSON object per line on stdout (info, debug)
 * or stderr (warn, error). Fields are merged into the line; errors are
 * reduced to their name and message.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const LEVELS: Record<LogLevel, number> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
};

function serializeFields(fields: LogFields | undefined): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (value instanceof Error) {
      out[key] = {
        name: value.name,
        message: value.message,
        ...((value as { code?: unknown }).code !== undefined
          ? { code: (value as { code?: unknown }).code }
          : {}),
      };
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** Logger writing JSON lines to the console. */
export function createConsoleLogger(
  options: { level?: LogLevel; component?: string } = {},
): Logger {
  const min = LEVELS[options.level ?? 'info'];
  const write = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (LEVELS[level] < min) return;
    const line = JSON.stringify({
      time: new Date().toISOString(),
      level,
      component: options.component ?? 'novahost-proxy',
      msg,
      ...serializeFields(fields),
    });
    if (LEVELS[level] >= LEVELS.warn) {
      process.stderr.write(`${line}\n`);
    } else {
      process.stdout.write(`${line}\n`);
    }
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}

/** One captured log line of a {@link MemoryLogger}. */
export interface LogEntry {
  level: LogLevel;
  msg: string;
  fields: LogFields;
}

/** Logger that keeps every line in memory; for tests. */
export class MemoryLogger implements Logger {
  readonly entries: LogEntry[] = [];

  debug(msg: string, fields?: LogFields) {
    this.entries.push({ level: 'debug', msg, fields: fields ?? {} });
  }
  info(msg: string, fields?: LogFields) {
    this.entries.push({ level: 'info', msg, fields: fields ?? {} });
  }
  warn(msg: string, fields?: LogFields) {
    this.entries.push({ level: 'warn', msg, fields: fields ?? {} });
  }
  error(msg: string, fields?: LogFields) {
    this.entries.push({ level: 'error', msg, fields: fields ?? {} });
  }

  find(level: LogLevel, msg?: string): LogEntry[] {
    return this.entries.filter(
      e => e.level === level && (msg === undefined || e.msg === msg),
    );
  }
}
