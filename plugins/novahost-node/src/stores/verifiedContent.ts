import { InputError } from '@backstage/errors';
import { createHash } from 'crypto';
import { Readable, Transform } from 'stream';

/**
 * Counts and hashes content on its way to a store: fails with an
 * InputError once it passes `maxBytes`, and `check()` fails when the
 * SHA-256 of what went through is not the expected hash.
 */
export class ContentMeter {
  private readonly hasher = createHash('sha256');
  size = 0;

  constructor(
    private readonly hash: string,
    private readonly maxBytes: number,
    /** What is written, for the error: `Blob`, `The archive`. */
    private readonly what: string,
  ) {}

  /** Counts and hashes a chunk; throws past the limit. */
  add(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      throw new InputError(
        `${this.what} exceeds the limit of ${this.maxBytes} bytes`,
      );
    }
    this.hasher.update(chunk);
  }

  /** A stream stage that meters what passes through it. */
  transform(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        try {
          this.add(chunk);
        } catch (e) {
          cb(e as Error);
          return;
        }
        cb(null, chunk);
      },
    });
  }

  /** Throws unless the content hashed to the expected hash; its size otherwise. */
  check(): number {
    const actual = this.hasher.digest('hex');
    if (actual !== this.hash) {
      throw new InputError(
        `Content hash mismatch: expected ${this.hash}, received ${actual}`,
      );
    }
    return this.size;
  }
}

/**
 * Reads content into memory through a ContentMeter: the limit and the hash
 * are checked before anything is stored.
 */
export async function readVerified(
  content: Readable,
  meter: ContentMeter,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of content) {
    meter.add(chunk);
    chunks.push(chunk);
  }
  meter.check();
  return Buffer.concat(chunks);
}
