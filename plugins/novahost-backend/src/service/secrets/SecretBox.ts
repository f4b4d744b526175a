import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
} from 'crypto';

/** A value as the database keeps it: base64 parts and the key's id. */
export type Sealed = {
  ciphertext: string;
  iv: string;
  authTag: string;
  keyId: string;
};

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;

/**
 * A key's id: the start of an HMAC of a constant under the key. It names
 * the key in rows and messages without revealing anything of it, and it is
 * the key check: a different key has a different id.
 */
export function keyIdOf(key: Buffer): string {
  return createHmac('sha256', key)
    .update('novahost secrets key id')
    .digest('hex')
    .slice(0, 16);
}

/** A base64 key of 32 bytes; `where` names its config key in the error. */
export function parseKey(value: string, where: string): Buffer {
  const text = value.trim();
  const key = Buffer.from(text, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || key.length !== KEY_BYTES) {
    throw new Error(
      `${where} must be the base64 of ${KEY_BYTES} random bytes (openssl rand -base64 32), not ${
        key.length ? `${key.length} bytes` : 'that'
      }`,
    );
  }
  return key;
}

/**
 * AES-256-GCM for secret values. New values are sealed with the current
 * key; values under a previous key still open (until they are sealed
 * again, see EnvService.start). The additional data binds a ciphertext to
 * its row, so one moved to another project or name does not open.
 */
export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  /** The id of the key new values are sealed with. */
  readonly keyId: string;

  constructor(current: Buffer, previous: Buffer[] = []) {
    this.keyId = keyIdOf(current);
    this.keys.set(this.keyId, current);
    for (const key of previous) this.keys.set(keyIdOf(key), key);
  }

  /** Whether values sealed with key `id` open. */
  has(id: string): boolean {
    return this.keys.has(id);
  }

  seal(plaintext: string, aad: string): Sealed {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.keys.get(this.keyId)!, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([
      cipher.update(plaintext, 'utf8'),
      cipher.final(),
    ]);
    return {
      ciphertext: ciphertext.toString('base64'),
      iv: iv.toString('base64'),
      authTag: cipher.getAuthTag().toString('base64'),
      keyId: this.keyId,
    };
  }

  /** The clear value; throws when the key is unknown or the value was altered. */
  open(sealed: Sealed, aad: string): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) {
      throw new Error(
        `A secret is encrypted with key ${sealed.keyId}, which is not configured`,
      );
    }
    const decipher = createDecipheriv(
      ALGORITHM,
      key,
      Buffer.from(sealed.iv, 'base64'),
    );
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.authTag, 'base64'));
    try {
      return Buffer.concat([
        decipher.update(Buffer.from(sealed.ciphertext, 'base64')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new Error(
        `A secret encrypted with key ${sealed.keyId} does not decrypt: it was altered or moved`,
      );
    }
  }
}
