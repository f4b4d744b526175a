/**
 * The compression of build cache archives: zstd where this Node has it
 * (22.15 and later), gzip otherwise. The reader tells them apart by their
 * magic bytes, so a runner on an older Node still restores gzip archives
 * and refuses anything else.
 */
import zlib from 'node:zlib';
import type { Transform } from 'node:stream';

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

type Zlib = typeof zlib & {
  createZstdCompress?: (o?: object) => Transform;
  createZstdDecompress?: (o?: object) => Transform;
  constants: typeof zlib.constants & { ZSTD_c_compressionLevel?: number };
};

const z = zlib as Zlib;

/** zstd level 3 (its default: fast, and about as small as gzip -9). */
export function compressor(): Transform {
  if (
    z.createZstdCompress &&
    z.constants.ZSTD_c_compressionLevel !== undefined
  ) {
    return z.createZstdCompress({
      params: { [z.constants.ZSTD_c_compressionLevel]: 3 },
    });
  }
  return zlib.createGzip({ level: 6 });
}

/** The decompressor for an archive starting with `head`; throws for other formats. */
export function decompressorFor(head: Buffer): Transform {
  if (head.subarray(0, 4).equals(ZSTD_MAGIC)) {
    if (!z.createZstdDecompress) {
      throw new Error('the archive is zstd, which this Node cannot read');
    }
    return z.createZstdDecompress();
  }
  if (head.subarray(0, 2).equals(GZIP_MAGIC)) return zlib.createGunzip();
  throw new Error('not a zstd or gzip archive');
}
