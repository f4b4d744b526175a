import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { randomBytes } from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { secretBoxFromConfig } from './keys';
import { keyIdOf, parseKey, SecretBox } from './SecretBox';

const newKey = () => randomBytes(32);

describe('SecretBox', () => {
  it('seals with AES-256-GCM and opens only with the same key and row', () => {
    const box = new SecretBox(newKey());
    const sealed = box.seal('cms-token-value', 'p1\0TOKEN\0production');
    expect(sealed.keyId).toBe(box.keyId);
    expect(Buffer.from(sealed.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(sealed.authTag, 'base64')).toHaveLength(16);
    expect(
      Buffer.from(sealed.ciphertext, 'base64').toString('latin1'),
    ).not.toContain('cms-token');
    expect(box.open(sealed, 'p1\0TOKEN\0production')).toBe('cms-token-value');
    // A new IV every time.
    expect(box.seal('cms-token-value', 'x').ciphertext).not.toBe(
      box.seal('cms-token-value', 'x').ciphertext,
    );
    // Moved to another row, or altered: refused.
    expect(() => box.open(sealed, 'p2\0TOKEN\0production')).toThrow(
      `A secret encrypted with key ${box.keyId} does not decrypt: it was altered or moved`,
    );
    const altered = Buffer.from(sealed.ciphertext, 'base64');
    altered[0] ^= 1;
    expect(() =>
      box.open(
        { ...sealed, ciphertext: altered.toString('base64') },
        'p1\0TOKEN\0production',
      ),
    ).toThrow(/does not decrypt/);
  });

  it('opens what a previous key sealed, and names a key it does not have', () => {
    const oldKey = newKey();
    const old = new SecretBox(oldKey);
    const sealed = old.seal('value-under-old-key', 'aad');
    const rotated = new SecretBox(newKey(), [oldKey]);
    expect(rotated.keyId).not.toBe(old.keyId);
    expect(rotated.has(old.keyId)).toBe(true);
    expect(rotated.open(sealed, 'aad')).toBe('value-under-old-key');
    expect(rotated.seal('new', 'aad').keyId).toBe(rotated.keyId);
    expect(() => new SecretBox(newKey()).open(sealed, 'aad')).toThrow(
      `A secret is encrypted with key ${old.keyId}, which is not configured`,
    );
  });

  it('derives a stable key id that says nothing of the key', () => {
    const key = newKey();
    expect(keyIdOf(key)).toBe(keyIdOf(Buffer.from(key)));
    expect(keyIdOf(key)).toMatch(/^[0-9a-f]{16}$/);
    expect(keyIdOf(key)).not.toBe(keyIdOf(newKey()));
    expect(key.toString('hex')).not.toContain(keyIdOf(key));
  });

  it('takes base64 keys of 32 bytes only', () => {
    const key = newKey();
    expect(parseKey(` ${key.toString('base64')}\n`, 'k')).toEqual(key);
    expect(() => parseKey(randomBytes(16).toString('base64'), 'k')).toThrow(
      'k must be the base64 of 32 random bytes (openssl rand -base64 32), not 16 bytes',
    );
    expect(() => parseKey('not base64!', 'k')).toThrow(/must be the base64/);
  });
});

describe('secretBoxFromConfig', () => {
  const logger = mockServices.logger.mock();
  const config = (secrets: object) =>
    new ConfigReader({ novahost: { secrets } });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-keys-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('uses the configured key and previous keys', () => {
    const [current, previous] = [newKey(), newKey()];
    const box = secretBoxFromConfig(
      config({
        encryptionKey: current.toString('base64'),
        previousKeys: [previous.toString('base64')],
        keyFile: path.join(dir, 'ignored.key'),
      }),
      logger,
    )!;
    expect(box.keyId).toBe(keyIdOf(current));
    expect(box.has(keyIdOf(previous))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'ignored.key'))).toBe(false);
  });

  it('generates the key file once (mode 0600) and reads it afterwards', () => {
    const file = path.join(dir, 'nested', 'secrets.key');
    const first = secretBoxFromConfig(config({ keyFile: file }), logger)!;
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(secretBoxFromConfig(config({ keyFile: file }), logger)!.keyId).toBe(
      first.keyId,
    );
    fs.writeFileSync(file, 'short');
    expect(() =>
      secretBoxFromConfig(config({ keyFile: file }), logger),
    ).toThrow(
      `novahost.secrets.keyFile (${file}) must be the base64 of 32 random bytes`,
    );
  });

  it('has no box without a key, and refuses previous keys alone', () => {
    expect(secretBoxFromConfig(config({}), logger)).toBeUndefined();
    expect(() =>
      secretBoxFromConfig(
        config({ previousKeys: [newKey().toString('base64')] }),
        logger,
      ),
    ).toThrow(
      'novahost.secrets.previousKeys is set but novahost.secrets.encryptionKey is not',
    );
    expect(() =>
      secretBoxFromConfig(config({ encryptionKey: 'abc' }), logger),
    ).toThrow(/^novahost\.secrets\.encryptionKey must be the base64/);
  });
});
