/**
 * The tar format of build cache archives (POSIX ustar with pax extended
 * headers for long paths), written and read here so the program needs no
 * system tar and decides itself what an entry may be. Only what the cache
 * needs: regular files, directories, symbolic and hard links. The reader
 * refuses everything else (devices, FIFOs, GNU extensions) and any header
 * whose checksum is wrong; what an entry's path or link may point to is
 * the extractor's decision (cacheUnpack.ts).
 */

export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink';

export interface TarHeader {
  /** POSIX path, relative, as stored. */
  path: string;
  type: TarEntryType;
  /** Permission bits (0o777 at most). */
  mode: number;
  /** Content bytes (files only; 0 otherwise). */
  size: number;
  /** Modification time, seconds since the epoch. */
  mtime: number;
  /** Symbolic link target, or the earlier entry a hard link names. */
  linkpath?: string;
}

export const BLOCK = 512;

/** Two zero blocks end an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(BLOCK * 2);

const TYPE_FLAGS: Record<TarEntryType, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  dir: '5',
};

/** Zero bytes that pad `size` bytes of content to a whole block. */
export function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

function octal(block: Buffer, offset: number, length: number, n: number) {
  block.write(
    `${Math.floor(n)
      .toString(8)
      .padStart(length - 1, '0')}\0`,
    offset,
    length,
    'ascii',
  );
}

/** One pax record: `<length> <key>=<value>\n`, the length counting itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length++;
  return `${length}${body}`;
}

function ustarBlock(
  name: string,
  type: string,
  mode: number,
  size: number,
  mtime: number,
  linkname = '',
): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  octal(block, 100, 8, mode);
  octal(block, 108, 8, 0);
  octal(block, 116, 8, 0);
  octal(block, 124, 12, size);
  octal(block, 136, 12, mtime);
  block.write(type, 156, 1, 'ascii');
  block.write(linkname, 157, 100, 'utf8');
  block.write('ustar\0', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return block;
}

const fits = (s: string) =>
  Buffer.byteLength(s) < 100 && /^[\x20-\x7e]*$/.test(s);

/** The header blocks of one entry: a pax header first when a name is too long. */
export function encodeHeader(h: TarHeader): Buffer {
  const records: string[] = [];
  if (!fits(h.path)) records.push(paxRecord('path', h.path));
  if (h.linkpath !== undefined && !fits(h.linkpath)) {
    records.push(paxRecord('linkpath', h.linkpath));
  }
  if (h.size >= 8 ** 11) records.push(paxRecord('size', String(h.size)));
  const main = ustarBlock(
    fits(h.path) ? h.path : 'pax-path',
    TYPE_FLAGS[h.type],
    h.mode & 0o777,
    h.size >= 8 ** 11 ? 0 : h.size,
    Math.max(0, h.mtime),
    h.linkpath !== undefined && fits(h.linkpath) ? h.linkpath : '',
  );
  if (!records.length) return main;
  const pax = Buffer.from(records.join(''), 'utf8');
  return Buffer.concat([
    ustarBlock('PaxHeader', 'x', 0o644, pax.length, h.mtime),
    pax,
    padding(pax.length),
    main,
  ]);
}

/** A malformed or refused archive. */
export class TarError extends Error {}

function cString(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('utf8');
}

function readOctal(block: Buffer, offset: number, length: number): number {
  const text = cString(block, offset, length).trim();
  if (!/^[0-7]*$/.test(text)) {
    throw new TarError('malformed number in a tar header');
  }
  return text ? parseInt(text, 8) : 0;
}

function checksumOk(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) {
    sum += i >= 148 && i < 156 ? 0x20 : block[i];
  }
  return readOctal(block, 148, 8) === sum;
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = Number(data.subarray(at, space).toString('ascii'));
    if (space === -1 || !Number.isInteger(length) || length <= 0) {
      throw new TarError('malformed pax header');
    }
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq === -1) throw new TarError('malformed pax record');
    out[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return out;
}

/** What the parser calls, in archive order. */
export interface TarHandler {
  entry(header: TarHeader): void;
  /** Content of the current file entry, in order. */
  data(chunk: Buffer): void;
  entryEnd(): void;
}

const MAX_PAX_BYTES = 64 * 1024;

/**
 * A push parser: feed it the decompressed archive chunk by chunk; it calls
 * the handler synchronously. Throws a TarError on anything it refuses.
 */
export class TarParser {
  private pending: Buffer = Buffer.alloc(0);
  /** Content bytes (plus padding) still to come for the current entry. */
  private remaining = 0;
  private padRemaining = 0;
  private inFile = false;
  private pax: { global: boolean; data: Buffer[] } | null = null;
  private paxNext: Record<string, string> = {};
  private ended = false;

  private readonly handler: TarHandler;

  constructor(handler: TarHandler) {
    this.handler = handler;
  }

  write(chunk: Buffer): void {
    let buf = this.pending.length
      ? Buffer.concat([this.pending, chunk])
      : chunk;
    this.pending = Buffer.alloc(0);
    while (buf.length) {
      if (this.ended) return; // trailing bytes after the end blocks
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, buf.length);
        const part = buf.subarray(0, take);
        if (this.pax) this.pax.data.push(Buffer.from(part));
        else this.handler.data(part);
        this.remaining -= take;
        buf = buf.subarray(take);
        if (this.remaining === 0) this.contentDone();
        continue;
      }
      if (this.padRemaining > 0) {
        const take = Math.min(this.padRemaining, buf.length);
        this.padRemaining -= take;
        buf = buf.subarray(take);
        continue;
      }
      if (buf.length < BLOCK) {
        this.pending = Buffer.from(buf);
        return;
      }
      this.header(buf.subarray(0, BLOCK));
      buf = buf.subarray(BLOCK);
    }
  }

  /** Throws when the archive stopped in the middle of an entry. */
  end(): void {
    if (
      !this.ended ||
      this.remaining > 0 ||
      this.pending.length ||
      this.inFile ||
      this.pax
    ) {
      throw new TarError('the archive is truncated');
    }
  }

  private contentDone() {
    if (this.pax) {
      const data = Buffer.concat(this.pax.data);
      if (!this.pax.global) this.paxNext = parsePax(data);
      this.pax = null;
    } else if (this.inFile) {
      this.inFile = false;
      this.handler.entryEnd();
    }
  }

  private header(block: Buffer) {
    if (block.every(b => b === 0)) {
      this.ended = true;
      return;
    }
    if (!checksumOk(block)) throw new TarError('bad tar header checksum');
    const flag = String.fromCharCode(block[156] || 0x30);
    let size = readOctal(block, 124, 12);
    if (flag === 'x' || flag === 'g') {
      if (size > MAX_PAX_BYTES) throw new TarError('pax header too large');
      this.pax = { global: flag === 'g', data: [] };
      this.start(size);
      if (size === 0) this.contentDone();
      return;
    }
    const type = (
      { '0': 'file', '1': 'hardlink', '2': 'symlink', '5': 'dir' } as const
    )[flag];
    if (!type) {
      throw new TarError(
        `unsupported tar entry type '${flag}' (devices, FIFOs and other special files are refused)`,
      );
    }
    const pax = this.paxNext;
    this.paxNext = {};
    const prefix =
      cString(block, 257, 6) === 'ustar' ? cString(block, 345, 155) : '';
    const name = cString(block, 0, 100);
    if (pax.size !== undefined) size = Number(pax.size);
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new TarError('malformed size in a tar header');
    }
    const header: TarHeader = {
      path: pax.path ?? (prefix ? `${prefix}/${name}` : name),
      type,
      mode: readOctal(block, 100, 8) & 0o777,
      size: type === 'file' ? size : 0,
      mtime: readOctal(block, 136, 12),
    };
    if (type === 'symlink' || type === 'hardlink') {
      header.linkpath = pax.linkpath ?? cString(block, 157, 100);
    }
    this.handler.entry(header);
    if (type === 'file') {
      this.inFile = true;
      this.start(size);
      if (size === 0) this.contentDone();
    } else if (size > 0) {
      // Links and directories carry no content; skip what a writer put there.
      this.padRemaining = size + padding(size).length;
    }
  }

  private start(size: number) {
    this.remaining = size;
    this.padRemaining = padding(size).length;
  }
}
