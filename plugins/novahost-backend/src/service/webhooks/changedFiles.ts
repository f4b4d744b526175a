import type { GithubApi } from '../github/GithubApi';
import type { PushPayload } from './payloads';

/** The files a change touched, or why they are not known. */
export type ChangedFiles =
  | { known: true; files: string[] }
  | { known: false; why: string };

/** GitHub lists at most 20 commits in a push payload. */
const PAYLOAD_COMMITS = 20;
/** … and at most 3000 changed files across them. */
const PAYLOAD_FILES = 3000;
/** The compare API lists at most 300 changed files. */
const COMPARE_FILES = 300;

const ZERO_SHA = /^0+$/;

/**
 * The files of a push from its payload: the union of its commits'
 * added, modified and removed files. Unknown when GitHub cut the list
 * short, or when there are no commits to read them from (a forced push
 * back to an older commit, a new branch at an existing commit).
 */
export function filesOfPushPayload(payload: PushPayload): ChangedFiles {
  const { commits } = payload;
  if (commits.length === 0) {
    return { known: false, why: 'the push lists no commits' };
  }
  if (commits.length >= PAYLOAD_COMMITS) {
    return {
      known: false,
      why: `the push lists only its first ${PAYLOAD_COMMITS} commits`,
    };
  }
  const files = new Set<string>();
  for (const c of commits) {
    for (const f of [...c.added, ...c.modified, ...c.removed]) files.add(f);
  }
  if (files.size >= PAYLOAD_FILES) {
    return { known: false, why: 'the push lists too many files' };
  }
  return { known: true, files: [...files] };
}

/**
 * The files changed between `base` and `head` (three dots: since their
 * merge base) from GitHub's compare API, through the repository's
 * integration. Unknown when the repository has no GitHub API, the call
 * fails, or GitHub cut the list at its 300 files.
 */
export async function filesOfCompare(
  github: GithubApi,
  repoUrl: string,
  base: string,
  head: string,
): Promise<ChangedFiles> {
  if (ZERO_SHA.test(base)) {
    return { known: false, why: 'there is no earlier commit to compare with' };
  }
  let api;
  try {
    api = await github.forRepo(repoUrl);
  } catch (e) {
    return { known: false, why: `GitHub credentials: ${messageOf(e)}` };
  }
  if (!api) {
    return { known: false, why: 'the repository has no GitHub API to ask' };
  }
  try {
    const { data } = await api.octokit.rest.repos.compareCommitsWithBasehead({
      owner: api.owner,
      repo: api.repo,
      basehead: `${base}...${head}`,
      per_page: 1,
    });
    const files = (data.files ?? []).flatMap(f =>
      f.previous_filename ? [f.filename, f.previous_filename] : [f.filename],
    );
    if ((data.files ?? []).length >= COMPARE_FILES) {
      return { known: false, why: 'the comparison has too many files' };
    }
    return { known: true, files };
  } catch (e) {
    return {
      known: false,
      why: `comparing ${base.slice(0, 7)}...${head.slice(
        0,
        7,
      )} failed: ${messageOf(e)}`,
    };
  }
}

function messageOf(e: unknown): string {
  const status = (e as { status?: number })?.status;
  const message = e instanceof Error ? e.message : String(e);
  // One line, short: Octokit's messages may carry a documentation URL.
  const line = message.split('\n')[0].slice(0, 200);
  return status ? `${status} ${line}` : line;
}
