/**
 * How the clone step gives git the repository credential the backend
 * minted for this build: as an HTTP header in the environment of the git
 * fetch processes only (`GIT_CONFIG_COUNT`), scoped to the repository's
 * origin. Nothing is written to the work directory (.git/config keeps the
 * plain URL), so the untrusted build step, which runs after, finds nothing;
 * curl does not pass the header on when a server redirects to another host.
 */
import type { RepoCredential } from './protocol.ts';

const basic = (c: RepoCredential) =>
  Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64');

/** The environment entries that make git send `credential` to `repoUrl`'s origin. */
export function gitAuthEnv(
  repoUrl: string,
  credential: RepoCredential,
): NodeJS.ProcessEnv {
  const { origin } = new URL(repoUrl);
  return {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: `http.${origin}/.extraHeader`,
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic(credential)}`,
  };
}

/** What of a credential must never reach a log line: the password and the header value. */
export function credentialSecrets(credential: RepoCredential): string[] {
  return [credential.password, basic(credential)];
}

/**
 * Whether git's output says the host wanted credentials it did not get or
 * refused the ones it got (GitHub answers 404 "Repository not found" to a
 * token that cannot see the repository).
 */
export function refusedByHost(output: readonly string[]): boolean {
  return output.some(line =>
    /could not read (username|password)|authentication failed|terminal prompts disabled|requested url returned error: (401|403|404)|repository not found|repository '[^']*' not found|access denied|invalid username or password/i.test(
      line,
    ),
  );
}
