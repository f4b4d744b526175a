/* eslint-disable no-console */
/**
 * yarn bench:upload — upload performance of a 1,000-file site into an
 * S3-protocol server (s3rver), through the real backend, build program and
 * presigned URLs, against a sequential upload-everything baseline run in
 * the same process.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { startS3Server } from '@internal/plugin-novahost-node/testUtils';
import { startNovahostTestBackend } from '../src/__testUtils__/backend';

const FILES = 1000;
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=b@b', '-c', 'user.name=b', ...args], {
    cwd,
  });

async function main() {
  const s3 = await startS3Server();
  const nh = await startNovahostTestBackend({
    novahost: {
      builds: { concurrency: 1, timeoutSeconds: 600 },
      runner: { type: 'local' },
      store: s3.storeConfig({
        verifyUploads: process.env.BENCH_VERIFY_UPLOADS !== 'false',
      }),
    },
  });

  // A static site: 1,000 files of 1–8 KiB, no build step.
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-bench-'));
  for (let i = 0; i < FILES; i++) {
    const dir = path.join(repo, `section-${i % 20}`);
    fs.mkdirSync(dir, { recursive: true });
    const name =
      i === 0
        ? path.join(repo, 'index.html')
        : path.join(dir, `page-${i}.html`);
    fs.writeFileSync(
      name,
      randomBytes(512 + (i % 8) * 1024)
        .toString('hex')
        .slice(0, 1024 + (i % 8) * 1024),
    );
  }
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'site');

  const project = await nh.createProject({ name: 'Bench', repoUrl: repo });
  const deploy = async () => {
    const d = await nh.deploy(project.id);
    const done = await nh.waitForDeployment(
      d.id,
      x => x.status === 'ready' || x.status === 'failed',
      { timeoutMs: 600_000, intervalMs: 20 },
    );
    if (done.status === 'failed') {
      throw new Error(`deployment failed: ${done.error}`);
    }
    return done;
  };
  // The upload phase: hash, manifest, missing blobs, parallel PUTs, finalize.
  const uploadMs = (d: any) =>
    Date.parse(d.finishedAt) - Date.parse(d.uploadingAt);

  /** Where the upload phase spends its time, from the build log's timestamps. */
  const phases = async (d: any) => {
    const events = await nh.logs(d.id);
    const at = (re: RegExp) =>
      Date.parse(
        events.find(e => e.event === 'log' && re.test(e.data.text))!.data.ts,
      );
    const start = Date.parse(d.uploadingAt);
    const hashed = at(/^Output: /);
    const manifest = at(/^Uploading /);
    const uploaded = at(/^Uploaded; build took/);
    const end = Date.parse(d.finishedAt);
    return `hash ${hashed - start} ms, manifest ${
      manifest - hashed
    } ms, upload+finalize ${end - manifest} ms (uploads ${
      uploaded - manifest
    } ms, finalize ${end - uploaded} ms)`;
  };

  const first = await deploy();
  fs.appendFileSync(path.join(repo, 'index.html'), '<!-- changed -->');
  git(repo, 'commit', '-q', '-am', 'one change');
  const second = await deploy();

  // Baseline: every file, one PUT after another, as a naive uploader would.
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name === '.git') continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(repo);
  const t0 = performance.now();
  for (const f of files) {
    await client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: `baseline/${path.relative(repo, f)}`,
        Body: fs.readFileSync(f),
      }),
    );
  }
  const baselineMs = performance.now() - t0;

  const row = (label: string, ms: number) =>
    console.log(
      `${label.padEnd(44)} ${ms.toFixed(0).padStart(7)} ms   ${(
        baselineMs / ms
      ).toFixed(2)}x baseline speed`,
    );
  console.log(
    `site: ${files.length} files, ${(first.stats.bytes / 1024).toFixed(0)} KiB`,
  );
  console.log(
    `${'sequential upload-everything baseline'.padEnd(44)} ${baselineMs
      .toFixed(0)
      .padStart(7)} ms   1.00x`,
  );
  row('novahost full upload (parallel, deduped)', uploadMs(first));
  row('novahost redeploy, one file changed', uploadMs(second));
  console.log(`  full upload phases: ${await phases(first)}`);
  console.log(`  redeploy phases:    ${await phases(second)}`);
  console.log(`full deploy uploaded blobs: ${first.stats.newBlobs}`);
  console.log(`redeploy uploaded blobs: ${second.stats.newBlobs}`);

  await nh.stop();
  await s3.close();
  fs.rmSync(repo, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  e => {
    console.error(e);
    process.exit(1);
  },
);
