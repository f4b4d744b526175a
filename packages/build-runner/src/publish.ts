/**
 * The `publish` step (trusted: it holds the build token): finds the output
 * of a successful build step, sends its manifest, uploads the blobs the
 * store is missing and finalizes. Everything in the work directory was
 * writable by the build's code, so the output is found from the spec (not
 * from anything the build step wrote) and every path is checked against
 * the real checkout; symbolic links are never followed.
 */
import { readFile } from 'node:fs/promises';
import type { BuildApi } from './api.ts';
import { saveCache } from './buildCache.ts';
import { detectOutputDirectory } from './detect.ts';
import { StepError } from './exec.ts';
import type { LogShipper } from './logShipper.ts';
import { collectOutput, mapLimit } from './manifest.ts';
import type { BuildSpec, FinalizeResponse } from './protocol.ts';
import { formatBytes, insideRepo, repoRoot } from './workspace.ts';

export interface PublishOptions {
  api: BuildApi;
  log: LogShipper;
  workdir: string;
  /** The spec, when the caller has it already (one-process build). */
  spec?: BuildSpec;
  /** When the build started (epoch ms), for the closing line. */
  startedAt: number;
  uploadConcurrency?: number;
}

/** Publishes the output; throws a StepError or ApiError when it cannot. */
export async function runPublish(
  options: PublishOptions,
): Promise<FinalizeResponse> {
  const { api, log } = options;
  const spec = options.spec ?? (await api.spec());
  const projectDir = insideRepo(
    repoRoot(options.workdir),
    spec.rootDirectory,
    'Root directory',
  );
  const outRel = detectOutputDirectory(projectDir, spec.outputDirectory);
  const outDir = insideRepo(projectDir, outRel, 'Output directory');
  await log.flush();
  await api.event({ type: 'phase', phase: 'uploading' });
  const output = await collectOutput(outDir);
  for (const skipped of output.skipped) {
    log.system(
      `Skipping ${skipped}: not a regular file (symbolic links are not published)`,
    );
  }
  if (output.files.size === 0) {
    throw new StepError(`Output directory '${outRel}' is empty`, null);
  }
  let total = 0;
  const files: Record<string, { hash: string; size: number }> = {};
  for (const [key, f] of output.files) {
    files[key] = { hash: f.hash, size: f.size };
    total += f.size;
  }
  log.system(
    `Output: ${output.files.size} files, ${formatBytes(total)} in ${outRel}`,
  );
  const { missing } = await api.manifest(files);
  const byHash = new Map([...output.files.values()].map(f => [f.hash, f]));
  const newBytes = missing.reduce(
    (n, t) => n + (byHash.get(t.hash)?.size ?? 0),
    0,
  );
  log.system(
    `Uploading ${missing.length} new files (${formatBytes(newBytes)}); ${
      new Set(Object.values(files).map(f => f.hash)).size - missing.length
    } already stored`,
  );
  await mapLimit(missing, options.uploadConcurrency ?? 8, async target => {
    const file = byHash.get(target.hash);
    if (!file) {
      throw new Error(`the backend asked for an unknown blob ${target.hash}`);
    }
    await api.upload(target, await readFile(file.absolute));
  });
  // After a successful build only, before finalize ends the token.
  await saveCache({ api, log, workdir: options.workdir, spec });
  // The last line: finalize ends the build token's validity.
  log.system(
    `Uploaded; build took ${((Date.now() - options.startedAt) / 1000).toFixed(
      1,
    )}s`,
  );
  await log.flush();
  return api.finalize();
}
