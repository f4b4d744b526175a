/* eslint-disable no-console */
/**
 * yarn bench:upload — upload performance of a 1,000-file site into an
 * S3-protocol server (s3rver), through the real backend, build program and
 * presigned URLs, against a sequential upload-everything baseline run in
 * the same process.
 */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import request from 'supertest';
import { novahostPlugin } from '../src/plugin';
import { startS3Server } from '../src/__testUtils__/s3';
import { readEvents } from '../src/__testUtils__/sse';

const FILES = 1000;
const user = { Authorization: mockCredentials.user.header() };
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=b@b', '-c', 'user.name=b', ...args], {
    cwd,
  });

async function main() {
  const s3 = await startS3Server();
  const backend = await startTestBackend({
    features: [
      novahostPlugin,
      mockServices.rootConfig.factory({
        data: {
          novahost: {
            builds: { concurrency: 1, timeoutSeconds: 600 },
            runner: { type: 'local' },
            store: s3.storeConfig({
              verifyUploads: process.env.BENCH_VERIFY_UPLOADS !== 'false',
            }),
          },
        },
      }),
    ],
  });
  const api = request(backend.server);

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

  const project = (
    await api
      .post('/api/novahost/projects')
      .set(user)
      .send({ name: 'Bench', repoUrl: repo })
  ).body;
  const deploy = async () => {
    const d = (
      await api
        .post(`/api/novahost/projects/${project.id}/deployments`)
        .set(user)
        .send({})
    ).body;
    for (;;) {
      const now = (await api.get(`/api/novahost/deployments/${d.id}`).set(user))
        .body;
      if (now.status === 'ready') return now;
      if (now.status === 'failed')
        throw new Error(`deployment failed: ${now.error}`);
      await new Promise(r => setTimeout(r, 20));
    }
  };
  // The upload phase: hash, manifest, missing blobs, parallel PUTs, finalize.
  const uploadMs = (d: any) =>
    Date.parse(d.finishedAt) - Date.parse(d.uploadingAt);

  const port = (backend.server.address() as { port: number }).port;
  /** Where the upload phase spends its time, from the build log's timestamps. */
  const phases = async (d: any) => {
    const events = await readEvents(
      `http://127.0.0.1:${port}/api/novahost/deployments/${d.id}/logs`,
      user,
      { until: e => e.event === 'finish' },
    );
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

  await backend.stop();
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
