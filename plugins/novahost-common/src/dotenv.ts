import { ENV_NAME_PATTERN } from './env';

/** One variable of a parsed `.env` file. @public */
export interface DotenvEntry {
  name: string;
  value: string;
  /** 1-based line where the variable starts. */
  line: number;
}

/** @public */
export interface DotenvResult {
  /** In file order; a name given twice keeps its last value. */
  entries: DotenvEntry[];
  /** Lines that are neither a variable, a comment nor blank. */
  errors: Array<{ line: number; message: string }>;
}

const ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  '"': '"',
  '\\': '\\',
};

/**
 * Parses a `.env` file as dotenv does: `NAME=value` lines, an optional
 * `export ` prefix, `#` comments (whole lines, or after a space in an
 * unquoted value), single-quoted and backquoted values taken literally,
 * double-quoted ones with `\n`, `\r`, `\t`, `\"` and `\\` escapes; quoted
 * values may span lines. Nothing is expanded (`$OTHER` stays as written).
 * @public
 */
export function parseDotenv(text: string): DotenvResult {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const byName = new Map<string, DotenvEntry>();
  const errors: DotenvResult['errors'] = [];
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].trimStart();
    if (!line.trim() || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([^=\s]+)\s*=(.*)$/.exec(line);
    if (!match) {
      errors.push({ line: lineNo, message: 'not NAME=value' });
      continue;
    }
    const [, name, rest] = match;
    if (!ENV_NAME_PATTERN.test(name)) {
      errors.push({
        line: lineNo,
        message: `${name.slice(0, 64)} is not a valid variable name`,
      });
      continue;
    }
    const start = rest.trimStart();
    const quote = start[0];
    let value: string;
    if (quote === '"' || quote === "'" || quote === '`') {
      // The value runs to the closing quote, maybe lines further down.
      let body = start.slice(1);
      let end = closingQuote(body, quote);
      while (end < 0 && i + 1 < lines.length) {
        i++;
        body += `\n${lines[i]}`;
        end = closingQuote(body, quote);
      }
      if (end < 0) {
        errors.push({ line: lineNo, message: `${name}: unclosed ${quote}` });
        continue;
      }
      const raw = body.slice(0, end);
      value =
        quote === '"'
          ? raw.replace(/\\([nrt"\\])/g, (_m, c: string) => ESCAPES[c])
          : raw;
    } else {
      value = start.replace(/\s+#.*$/, '').trim();
    }
    byName.delete(name);
    byName.set(name, { name, value, line: lineNo });
  }
  return { entries: [...byName.values()], errors };
}

/** Index of the unescaped closing `quote` in `body`, or -1. */
function closingQuote(body: string, quote: string): number {
  for (let i = 0; i < body.length; i++) {
    if (quote === '"' && body[i] === '\\') {
      i++;
    } else if (body[i] === quote) {
      return i;
    }
  }
  return -1;
}
