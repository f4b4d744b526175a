/**
 * The key a repository is known by across its URL spellings: `host/path`,
 * lower case, without `.git`, a trailing slash, credentials or a default
 * port — `github.com/acme/site` for `https://github.com/Acme/site.git`.
 * Webhook deliveries are matched to projects by it. Undefined for local
 * repositories and anything that is not a URL.
 * @public
 */
export function repoKey(repoUrl: string): string | undefined {
  let url: URL;
  const scp = /^[\w.-]+@([^:/]+):(.+)$/.exec(repoUrl.trim());
  try {
    url = new URL(scp ? `ssh://${scp[1]}/${scp[2]}` : repoUrl.trim());
  } catch {
    return undefined;
  }
  if (!['https:', 'http:', 'ssh:', 'git:'].includes(url.protocol)) {
    return undefined;
  }
  const path = decodeURIComponent(url.pathname)
    .replace(/\/+$/, '')
    .replace(/\.git$/i, '')
    .replace(/^\/+/, '');
  if (!url.hostname || !path) return undefined;
  return `${url.host}/${path}`.toLowerCase();
}
