import { execFileSync } from 'node:child_process';
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib, { gzipSync } from 'node:zlib';
import { CacheLimitError, fingerprintOf, packCache } from './cachePack.ts';
import type { CacheRoot } from './cacheRoots.ts';
import { unpackCache } from './cacheUnpack.ts';
import {
  encodeHeader,
  END_OF_ARCHIVE,
  padding,
  type TarHeader,
} from './tar.ts';

const limits = {
  maxArchiveBytes: 64 * 2 ** 20,
  maxUnpackedBytes: 64 * 2 ** 20,
  maxEntries: 10_000,
};
const roots: CacheRoot[] = [
  { base: 'home', path: '.npm/_cacache' },
  { base: 'repo', path: 'node_modules', keyBound: { keep: ['.cache'] } },
  { base: 'repo', path: '.next/cache' },
];

/** The tar bytes of an archive, whichever its compression. */
const inflate = (file: string): Buffer => {
  const bytes = readFileSync(file);
  return bytes[0] === 0x1f
    ? zlib.gunzipSync(bytes)
    : (zlib as any).zstdDecompressSync(bytes);
};

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `novahost-${name}-`));

function bases() {
  const dir = tmp('cache-bases');
  const b = { repo: join(dir, 'repo'), home: join(dir, 'home') };
  mkdirSync(b.repo);
  mkdirSync(b.home);
  return { dir, ...b };
}

function write(path: string, content: string) {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
}

/** An archive of hand-made entries, as a hostile writer would make it. */
function crafted(
  entries: Array<TarHeader & { content?: string; flag?: string }>,
): string {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const content = Buffer.from(e.content ?? '');
    const header = encodeHeader({ ...e, size: content.length });
    if (e.flag) {
      // A type this writer never makes (a device): patch the flag and checksum.
      const block = header.subarray(header.length - 512);
      block.write(e.flag, 156, 1, 'ascii');
      block.fill(0x20, 148, 156);
      let sum = 0;
      for (const byte of block) sum += byte;
      block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
    }
    parts.push(header, content, padding(content.length));
  }
  parts.push(END_OF_ARCHIVE);
  const file = join(tmp('crafted'), 'archive');
  writeFileSync(file, gzipSync(Buffer.concat(parts)));
  return file;
}

const entry = (
  path: string,
  more: Partial<TarHeader> & { content?: string; flag?: string } = {},
) => ({
  path,
  type: 'file' as const,
  mode: 0o644,
  size: 0,
  mtime: 1_700_000_000,
  ...more,
});

describe('build cache archives', () => {
  it('restores files, directories, links and times as they were packed', async () => {
    const src = bases();
    const longName = `${'a'.repeat(60)}/${'b'.repeat(60)}/${'c'.repeat(40)}.js`;
    write(join(src.home, '.npm/_cacache/index/x'), 'index');
    write(join(src.home, '.npm/_cacache/tmp/junk'), 'never kept');
    write(join(src.repo, 'node_modules/vite/package.json'), '{"name":"vite"}');
    write(join(src.repo, 'node_modules/vite', longName), 'long');
    write(join(src.repo, 'node_modules/.cache/babel/x.json'), 'babel');
    mkdirSync(join(src.repo, 'node_modules/.bin'));
    symlinkSync(
      '../vite/package.json',
      join(src.repo, 'node_modules/.bin/vite'),
    );
    linkSync(
      join(src.repo, 'node_modules/vite/package.json'),
      join(src.repo, 'node_modules/vite/copy.json'),
    );
    write(join(src.repo, '.next/cache/images/a.webp'), 'img');
    utimesSync(
      join(src.repo, 'node_modules/vite/package.json'),
      1_600_000_000,
      1_600_000_000,
    );
    const file = join(src.dir, 'archive');
    const packed = await packCache({ bases: src, roots, file, limits });
    expect(packed).toMatchObject({
      roots: ['home/.npm/_cacache', 'repo/node_modules', 'repo/.next/cache'],
    });
    // The same tree packs to the same bytes: an unchanged cache dedupes.
    const again = await packCache({
      bases: src,
      roots,
      file: `${file}2`,
      limits,
    });
    expect(again!.hash).toBe(packed!.hash);

    const dst = bases();
    const result = await unpackCache({
      file,
      bases: dst,
      roots,
      fallback: false,
      limits,
    });
    expect(result.restored.sort()).toEqual([
      'home/.npm/_cacache',
      'repo/.next/cache',
      'repo/node_modules',
    ]);
    expect(readFileSync(join(dst.home, '.npm/_cacache/index/x'), 'utf8')).toBe(
      'index',
    );
    expect(existsSync(join(dst.home, '.npm/_cacache/tmp'))).toBe(false);
    expect(
      readFileSync(join(dst.repo, 'node_modules/vite', longName), 'utf8'),
    ).toBe('long');
    expect(readlinkSync(join(dst.repo, 'node_modules/.bin/vite'))).toBe(
      '../vite/package.json',
    );
    const a = statSync(join(dst.repo, 'node_modules/vite/package.json'));
    expect(statSync(join(dst.repo, 'node_modules/vite/copy.json')).ino).toBe(
      a.ino,
    );
    expect(a.mtimeMs).toBe(1_600_000_000_000);
    expect(
      readFileSync(join(dst.repo, '.next/cache/images/a.webp'), 'utf8'),
    ).toBe('img');

    // The restored trees hold what was packed; a change of content (even of
    // the same size) is a change, a rewrite of the same bytes is not.
    expect(fingerprintOf(dst, roots)).toBe(packed!.fingerprint);
    const babel = join(dst.repo, 'node_modules/.cache/babel/x.json');
    writeFileSync(babel, 'babel');
    expect(fingerprintOf(dst, roots)).toBe(packed!.fingerprint);
    writeFileSync(babel, 'BABEL');
    expect(fingerprintOf(dst, roots)).not.toBe(packed!.fingerprint);
  });

  it("restores only node_modules/.cache from another key's entry, and never over the checkout's own directories", async () => {
    const src = bases();
    write(join(src.repo, 'node_modules/vite/index.js'), 'x');
    write(join(src.repo, 'node_modules/.cache/babel/x.json'), 'babel');
    write(join(src.repo, '.next/cache/a'), 'cached');
    const file = join(src.dir, 'archive');
    await packCache({ bases: src, roots, file, limits });

    const dst = bases();
    write(join(dst.repo, '.next/cache/a'), 'committed');
    const result = await unpackCache({
      file,
      bases: dst,
      roots,
      fallback: true,
      limits,
    });
    expect(result.kept).toEqual(['repo/.next/cache']);
    expect(readFileSync(join(dst.repo, '.next/cache/a'), 'utf8')).toBe(
      'committed',
    );
    expect(readdirSync(join(dst.repo, 'node_modules'))).toEqual(['.cache']);
  });

  it('packs nothing through a link the build planted, nor links as their targets', async () => {
    const src = bases();
    const secret = join(src.dir, 'secret');
    write(join(secret, 'token'), 'sekret');
    mkdirSync(join(src.home, '.npm'));
    symlinkSync(secret, join(src.home, '.npm/_cacache'));
    mkdirSync(join(src.repo, 'node_modules'));
    symlinkSync(join(secret, 'token'), join(src.repo, 'node_modules/token'));
    const file = join(src.dir, 'archive');
    const packed = await packCache({ bases: src, roots, file, limits });
    expect(packed!.roots).toEqual(['repo/node_modules']);
    const listing = inflate(file).toString('latin1');
    expect(listing).not.toContain('sekret');
  });

  it('refuses to pack past the limits', async () => {
    const src = bases();
    write(join(src.repo, 'node_modules/big'), 'x'.repeat(4096));
    const file = join(src.dir, 'archive');
    await expect(
      packCache({
        bases: src,
        roots,
        file,
        limits: { ...limits, maxUnpackedBytes: 1000 },
      }),
    ).rejects.toThrow(CacheLimitError);
    await expect(
      packCache({
        bases: src,
        roots,
        file,
        limits: { ...limits, maxEntries: 1 },
      }),
    ).rejects.toThrow(CacheLimitError);
  });

  const hostile: Array<[string, Array<ReturnType<typeof entry>>, RegExp]> = [
    [
      'a path with ..',
      [entry('repo/node_modules/../../escape', { content: 'x' })],
      /unsafe path/,
    ],
    [
      'an absolute path',
      [entry('/tmp/novahost-escape', { content: 'x' })],
      /unsafe path/,
    ],
    [
      'a path outside the cached directories',
      [entry('repo/package.json', { content: '{}' })],
      /not a cached directory/,
    ],
    [
      'a link out of its base',
      [
        entry('repo/node_modules/evil', {
          type: 'symlink',
          linkpath: '../../../etc',
        }),
      ],
      /points outside/,
    ],
    [
      'an absolute link',
      [
        entry('repo/node_modules/evil', {
          type: 'symlink',
          linkpath: '/etc/passwd',
        }),
      ],
      /points outside/,
    ],
    [
      'a file written through a link',
      [
        entry('repo/node_modules/src', { type: 'symlink', linkpath: '../src' }),
        entry('repo/node_modules/src/index.js', { content: 'pwned' }),
      ],
      /goes through a link/,
    ],
    [
      'a hard link to a file of the checkout',
      [
        entry('repo/node_modules/pkg', {
          type: 'hardlink',
          linkpath: 'repo/package.json',
        }),
      ],
      /names no file restored before/,
    ],
    [
      'a device',
      [entry('repo/node_modules/null', { flag: '3' })],
      /unsupported tar entry type '3'/,
    ],
    [
      'a FIFO',
      [entry('repo/node_modules/fifo', { flag: '6' })],
      /unsupported tar entry type '6'/,
    ],
    [
      'the same file twice',
      [
        entry('repo/node_modules/a', { content: '1' }),
        entry('repo/node_modules/a', { content: '2' }),
      ],
      /twice/,
    ],
    [
      'more than it may unpack to',
      [entry('repo/node_modules/big', { content: 'x'.repeat(2000) })],
      /unpacks to more/,
    ],
  ];

  it.each(hostile)(
    'refuses an archive with %s and leaves nothing behind',
    async (_what, entries, error) => {
      const dst = bases();
      mkdirSync(join(dst.repo, 'src'));
      writeFileSync(join(dst.repo, 'package.json'), '{"name":"site"}');
      const file = crafted(entries);
      await expect(
        unpackCache({
          file,
          bases: dst,
          roots,
          fallback: false,
          limits: { ...limits, maxUnpackedBytes: 1000 },
        }),
      ).rejects.toThrow(error);
      expect(readdirSync(dst.repo).sort()).toEqual(['package.json', 'src']);
      expect(readdirSync(join(dst.repo, 'src'))).toEqual([]);
      expect(readFileSync(join(dst.repo, 'package.json'), 'utf8')).toBe(
        '{"name":"site"}',
      );
      expect(existsSync('/tmp/novahost-escape')).toBe(false);
    },
  );

  it("refuses what GNU tar writes with -P (absolute and '..' names)", async () => {
    const dir = tmp('gnu-tar');
    write(join(dir, 'work/node_modules/a'), 'a');
    const file = join(dir, 'archive.tgz');
    execFileSync('tar', [
      '-czPf',
      file,
      `${dir}/work/node_modules/a`,
      `${dir}/work/../work/node_modules/a`,
    ]);
    const dst = bases();
    await expect(
      unpackCache({ file, bases: dst, roots, fallback: false, limits }),
    ).rejects.toThrow(/unsafe path/);
    expect(readdirSync(dst.repo)).toEqual([]);
  });

  it('refuses truncated and corrupt archives', async () => {
    const src = bases();
    write(join(src.repo, 'node_modules/a/index.js'), 'x'.repeat(5000));
    const file = join(src.dir, 'archive');
    await packCache({ bases: src, roots, file, limits });
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length >> 1));
    const dst = bases();
    await expect(
      unpackCache({ file, bases: dst, roots, fallback: false, limits }),
    ).rejects.toThrow();
    expect(lstatSync(dst.repo).isDirectory()).toBe(true);
    expect(readdirSync(dst.repo)).toEqual([]);
  });
});
