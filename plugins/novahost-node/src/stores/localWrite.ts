import { NotFoundError } from '@backstage/errors';
import { randomBytes } from 'crypto';
import fs from 'fs';
import path from 'path';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import { isNotFoundError } from './notFound';
import type { ByteRange } from './types';
import { ContentMeter } from './verifiedContent';

/** A fresh temp file path under the store directory's `tmp/`. */
export function localTmpPath(directory: string): string {
  return path.join(directory, 'tmp', randomBytes(12).toString('hex'));
}

/**
 * Writes content to a temp file under `directory`, metered and hashed, and
 * renames it to `target` only when it matches its hash, so readers never
 * see partial or wrong content. Returns its size.
 */
export async function writeVerifiedFile(
  directory: string,
  target: string,
  content: Readable,
  meter: ContentMeter,
): Promise<number> {
  const tmp = localTmpPath(directory);
  await fs.promises.mkdir(path.dirname(tmp), { recursive: true });
  try {
    await pipeline(content, meter.transform(), fs.createWriteStream(tmp));
    const size = meter.check();
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    await fs.promises.rename(tmp, target);
    return size;
  } finally {
    await fs.promises.rm(tmp, { force: true });
  }
}

/** Opens a file once it exists; a NotFoundError with `notFound` if not. */
export function openLocalFile(
  file: string,
  notFound: string,
  range?: ByteRange,
): Promise<Readable> {
  return new Promise((resolve, reject) => {
    const stream = fs.createReadStream(file, range);
    stream.once('open', () => resolve(stream));
    stream.once('error', error =>
      reject(
        isNotFoundError(error) ? new NotFoundError(notFound, error) : error,
      ),
    );
  });
}

/** Removes files, those already gone included. */
export async function removeLocalFiles(files: string[]): Promise<void> {
  for (const file of files) {
    await fs.promises.rm(file, { force: true });
  }
}
