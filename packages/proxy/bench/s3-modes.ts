/* eslint-disable no-console */
/**
 * yarn bench:proxy-s3 — which way should the proxy read blobs from S3/R2?
 * Serves the same deployment through two proxies, one streaming the SDK's
 * GetObject and one fetching presigned GET URLs, from one S3-protocol
 * server (s3rver, in its own process), and drives both with the same
 * keep-alive load in this process. Prints requests/s and p99 per file size
 * and the ratio.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { blobKey, manifestKey } from '@internal/plugin-novahost-common';
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { project, startTestProxy, type TestProxy } from '../src/testUtils';
import { runMain } from './runMain';

const CONCURRENCY = 32;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);

async function startS3rverProcess(directory: string) {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const S3rver = require('s3rver');
       new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: ${JSON.stringify(
         directory,
       )},
         configureBuckets: [{ name: 'novahost' }] }).run().then(a => console.log(a.port));`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], cwd: __dirname },
  );
  const port = await new Promise<number>(resolve =>
    child.stdout!.once('data', d => resolve(Number(String(d).trim()))),
  );
  return { port, stop: () => child.kill() };
}

async function load(port: number, host: string, path: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies: number[] = [];
  let errors = 0;
  const until = Date.now() + SECONDS * 1000;
  const one = () =>
    new Promise<void>(resolve => {
      const t0 = performance.now();
      http
        .get(
          { host: '127.0.0.1', port, path, agent, headers: { host } },
          res => {
            res.resume();
            res.on('end', () => {
              if (res.statusCode === 200)
                latencies.push(performance.now() - t0);
              else errors++;
              resolve();
            });
          },
        )
        .on('error', () => {
          errors++;
          resolve();
        });
    });
  const worker = async () => {
    while (Date.now() < until) await one();
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / elapsed,
    p99: latencies[Math.floor(latencies.length * 0.99)] ?? NaN,
    errors,
  };
}

async function main() {
  const directory = mkdtempSync(join(tmpdir(), 'novahost-bench-s3-'));
  const s3 = await startS3rverProcess(directory);
  const options = {
    bucket: 'novahost',
    endpoint: `http://127.0.0.1:${s3.port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    prefix: '',
  };
  const client = new S3Client({
    ...options,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  const files: Record<string, Buffer> = {
    'small.html': randomBytes(1024),
    'medium.js': randomBytes(64 * 1024),
  };
  const id = randomUUID();
  const entries: Record<string, { hash: string; size: number }> = {};
  for (const [name, content] of Object.entries(files)) {
    const hash = createHash('sha256').update(content).digest('hex');
    entries[name] = { hash, size: content.length };
    await client.send(
      new PutObjectCommand({
        Bucket: 'novahost',
        Key: blobKey(hash),
        Body: content,
      }),
    );
  }
  await client.send(
    new PutObjectCommand({
      Bucket: 'novahost',
      Key: manifestKey(id),
      Body: JSON.stringify({ version: 1, deploymentId: id, files: entries }),
    }),
  );
  const proxies = {} as Record<'getObject' | 'presignedUrl', TestProxy>;
  for (const fetchMode of ['getObject', 'presignedUrl'] as const) {
    proxies[fetchMode] = await startTestProxy({
      routes: { version: 1, generatedAt: '', projects: [project('bench', id)] },
      store: { type: 's3', ...options, fetchMode },
    });
  }

  console.log(
    `${CONCURRENCY} keep-alive connections, ${SECONDS} s per run, s3rver in its own process`,
  );
  for (const path of Object.keys(files)) {
    const results: Record<string, Awaited<ReturnType<typeof load>>> = {};
    for (const mode of ['getObject', 'presignedUrl'] as const) {
      await load(proxies[mode].port, 'bench.localhost', `/${path}`); // warm-up
      results[mode] = await load(
        proxies[mode].port,
        'bench.localhost',
        `/${path}`,
      );
      const r = results[mode];
      console.log(
        `${path.padEnd(12)} ${mode.padEnd(13)} ${r.rps
          .toFixed(0)
          .padStart(6)} req/s   p99 ${r.p99
          .toFixed(1)
          .padStart(6)} ms   errors ${r.errors}`,
      );
    }
    console.log(
      `${path.padEnd(12)} presignedUrl / getObject: ${(
        results.presignedUrl.rps / results.getObject.rps
      ).toFixed(2)}x req/s, ${(
        results.presignedUrl.p99 / results.getObject.p99
      ).toFixed(2)}x p99`,
    );
  }
  for (const p of Object.values(proxies)) await p.stop();
  s3.stop();
  rmSync(directory, { recursive: true, force: true });
}

runMain(main);
