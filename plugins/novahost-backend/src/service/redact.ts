/** Keeps secrets out of stored build logs and error messages. */

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+(?::[^/\s@]*)?@/gi;
const MAX_LINE = 8192;

export function redact(text: string, secrets: string[]): string {
  let out = text.replace(URL_CREDENTIALS, '$1***@');
  for (const secret of secrets) {
    if (secret && secret.length >= 8) out = out.split(secret).join('***');
  }
  if (out.length > MAX_LINE) out = `${out.slice(0, MAX_LINE)} … [truncated]`;
  return out;
}
