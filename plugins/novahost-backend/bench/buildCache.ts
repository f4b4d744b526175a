/* eslint-disable no-console */
/**
 * yarn bench:build-cache — a real Vite + React + TypeScript project
 * (bench/fixtures/vite-react, with its package-lock.json) deployed twice
 * through the real backend and the local runner (sandboxed when the
 * machine can), into a fresh local store: the first deploy is cold (a new
 * HOME per build, so npm starts from an empty cache; the machine's
 * npm_config_cache is not passed), the second restores the first one's
 * build cache. Prints install and total build time of both and ends with
 * `warm install: X.XXx cold` (goal ≤ 0.30).
 *
 * "Install" is what a build spends before its build command: restoring
 * the cache (download, hash check, unpack) plus the install command.
 */
import { execFileSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { startNovahostTestBackend } from '../src/__testUtils__/backend';

const FIXTURE = path.join(__dirname, 'fixtures', 'vite-react');

type LogLine = { text: string; ts: string };

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=b@b', '-c', 'user.name=b', ...args], {
    cwd,
  });

function siteRepo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-bench-vite-'));
  fs.cpSync(FIXTURE, dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'vite + react');
  return dir;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Where one build spent its time, from its log lines' timestamps. */
function timings(lines: LogLine[], d: any) {
  const index = (re: RegExp) => {
    const i = lines.findIndex(l => re.test(l.text));
    if (i < 0) throw new Error(`no log line matches ${re}`);
    return i;
  };
  const at = (i: number) => Date.parse(lines[i].ts);
  const cache = index(
    /^(Restored build cache|No build cache yet|Build cache skipped)/,
  );
  const install = index(/^Running install command: /);
  const build = index(/^Running build command: /);
  const saved = lines.find(l =>
    /^(Saved build cache|Build cache unchanged)/.test(l.text),
  );
  return {
    cacheLine: lines[cache].text,
    // From the line before it (the Node choice) to its result.
    restoreMs: at(cache) - at(cache - 1),
    installCommand: lines[install].text.replace(
      /^Running install command: /,
      '',
    ),
    installMs: at(build) - at(install),
    buildMs: Date.parse(d.finishedAt) - Date.parse(d.startedAt),
    savedLine: saved?.text ?? '(not saved)',
  };
}

async function main() {
  // Cold means cold: never the machine's npm cache.
  delete process.env.npm_config_cache;
  delete process.env.NPM_CONFIG_CACHE;
  const nh = await startNovahostTestBackend({
    novahost: {
      builds: { concurrency: 1, timeoutSeconds: 900 },
      runner: { type: 'local' },
    },
  });
  try {
    const repo = siteRepo();
    const project = await nh.createProject({
      name: 'Bench Vite',
      repoUrl: repo,
    });
    const deploy = async (label: string) => {
      const queued = await nh.deploy(project.id);
      const d = await nh.waitForDeployment(
        queued.id,
        x => ['ready', 'failed', 'canceled'].includes(x.status),
        { timeoutMs: 900_000, intervalMs: 50 },
      );
      const lines = (await nh.logs(d.id))
        .filter(e => e.event === 'log')
        .map(e => e.data as LogLine);
      if (d.status !== 'ready') {
        console.log(lines.map(l => l.text).join('\n'));
        throw new Error(`${label} deployment ${d.status}: ${d.error}`);
      }
      return timings(lines, d);
    };

    const cold = await deploy('cold');
    const warm = await deploy('warm');
    const report = (label: string, t: typeof cold) => {
      console.log(`${label}:`);
      console.log(`  cache:   ${t.cacheLine}`);
      console.log(
        `  install: ${seconds(t.restoreMs + t.installMs)} (restore ${seconds(
          t.restoreMs,
        )} + \`${t.installCommand}\` ${seconds(t.installMs)})`,
      );
      console.log(`  total:   ${seconds(t.buildMs)} (clone to ready)`);
      console.log(`  saved:   ${t.savedLine}`);
    };
    console.log(
      `node ${process.version}, ${os.cpus().length} CPUs, sandbox: ${
        fs.existsSync('/usr/bin/bwrap') ? 'bwrap' : 'none'
      }`,
    );
    report('cold (first deploy, empty npm cache)', cold);
    report('warm (second deploy, build cache restored)', warm);
    const ratio =
      (warm.restoreMs + warm.installMs) / (cold.restoreMs + cold.installMs);
    console.log(
      `total: warm ${seconds(warm.buildMs)} vs cold ${seconds(
        cold.buildMs,
      )} (${(warm.buildMs / cold.buildMs).toFixed(2)}x)`,
    );
    console.log(`warm install: ${ratio.toFixed(2)}x cold`);
  } finally {
    await nh.stop();
  }
}

main().then(
  () => process.exit(0),
  e => {
    console.error(e);
    process.exit(1);
  },
);
