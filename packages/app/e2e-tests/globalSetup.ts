/*
 * Builds the app once (the backend's app-backend serves it), creates the
 * site repository and starts a private stack; tests read where it runs from
 * NOVAHOST_E2E_* variables. Set NOVAHOST_E2E_SKIP_BUILD=1 to reuse an
 * existing packages/app/dist.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startStack } from './stack';
import { createSiteRepo } from './site';

export const PROJECT_SLUG = 'e2e-site';

/** A project of a group the guest is not in, created through the API. */
export const OTHER_TEAM_PROJECT = {
  name: 'Team A Site',
  slug: 'team-a-site',
  owner: 'group:default/team-a',
};

/**
 * Creates a project through the API with the embedded default's CLI token,
 * a service with admin rights on Novahost (README, "Try the loop with
 * curl"), so it may name any owner; returns the project's slug.
 */
export async function createProjectAsAdmin(
  baseUrl: string,
  project: { name: string; repoUrl: string; owner: string },
): Promise<string> {
  const res = await fetch(`${baseUrl}/api/novahost/projects`, {
    method: 'POST',
    headers: {
      Authorization: 'Bearer novahost-local-api-token',
      'Content-Type': 'application/json',
    },
    body: JSON.stringify(project),
  });
  const body = await res.text();
  if (res.status !== 201) {
    throw new Error(`Creating ${project.name} answered ${res.status}: ${body}`);
  }
  const created = JSON.parse(body);
  if (created.owner !== project.owner) {
    throw new Error(
      `Creating ${project.name} answered an unexpected project: ${body}`,
    );
  }
  return created.slug;
}

async function createOtherTeamProject(baseUrl: string, repoUrl: string) {
  const { name, owner, slug } = OTHER_TEAM_PROJECT;
  const created = await createProjectAsAdmin(baseUrl, { name, repoUrl, owner });
  if (created !== slug) {
    throw new Error(`Creating ${name} answered slug ${created}, not ${slug}`);
  }
}

export default async function globalSetup() {
  const appDist = join(ROOT, 'packages/app/dist/index.html');
  if (process.env.NOVAHOST_E2E_SKIP_BUILD !== '1' || !existsSync(appDist)) {
    const build = spawnSync('yarn', ['backstage-cli', 'package', 'build'], {
      cwd: join(ROOT, 'packages/app'),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const log = `${build.stdout}\n${build.stderr}`;
    mkdirSync(join(ROOT, 'e2e-artifacts/logs'), { recursive: true });
    writeFileSync(join(ROOT, 'e2e-artifacts/logs/app-build.log'), log);
    if (build.status !== 0) {
      throw new Error(`Building packages/app failed:\n${log.slice(-4000)}`);
    }
  }

  const dir = mkdtempSync(join(tmpdir(), 'novahost-e2e-'));
  const repo = join(dir, 'site');
  createSiteRepo(repo);
  const stack = await startStack({
    dir,
    // A catalog entity that names the project the test creates.
    catalogYaml: [
      'apiVersion: backstage.io/v1alpha1',
      'kind: Component',
      'metadata:',
      `  name: ${PROJECT_SLUG}`,
      '  description: The site the browser test deploys',
      '  annotations:',
      `    novahost.dev/project: ${PROJECT_SLUG}`,
      'spec:',
      '  type: website',
      '  lifecycle: experimental',
      '  owner: platform',
      '',
    ].join('\n'),
  });
  try {
    await createOtherTeamProject(stack.baseUrl, repo);
  } catch (e) {
    await stack.stop();
    throw e;
  }
  process.env.NOVAHOST_E2E_BASE_URL = stack.baseUrl;
  process.env.NOVAHOST_E2E_PROXY_PORT = String(stack.proxyPort);
  process.env.NOVAHOST_E2E_REPO = repo;

  return async () => {
    await stack.stop();
    // Keep the servers' logs next to the screenshots for CI.
    const logs = join(ROOT, 'e2e-artifacts/logs');
    mkdirSync(logs, { recursive: true });
    cpSync(join(dir, 'logs'), logs, { recursive: true });
    rmSync(dir, { recursive: true, force: true });
  };
}
