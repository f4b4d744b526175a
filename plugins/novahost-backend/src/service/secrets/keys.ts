import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { randomBytes } from 'crypto';
import fs from 'fs';
import path from 'path';
import { parseKey, SecretBox } from './SecretBox';

/**
 * The secrets key from `novahost.secrets`: `encryptionKey` (production,
 * from the environment), else the key kept in `keyFile` (the embedded
 * default: generated on the first start, mode 0600), plus the decrypt-only
 * `previousKeys` of a rotation. Undefined when none is configured: secret
 * variables are then refused (EnvService), never stored in clear.
 */
export function secretBoxFromConfig(
  config: Config,
  logger: LoggerService,
): SecretBox | undefined {
  const where = 'novahost.secrets';
  const previous = (
    config.getOptionalStringArray(`${where}.previousKeys`) ?? []
  ).map((k, i) => parseKey(k, `${where}.previousKeys[${i}]`));
  const configured = config.getOptionalString(`${where}.encryptionKey`);
  const keyFile = config.getOptionalString(`${where}.keyFile`);
  let current: Buffer | undefined;
  if (configured) {
    current = parseKey(configured, `${where}.encryptionKey`);
  } else if (keyFile) {
    current = keyFromFile(path.resolve(keyFile), logger);
  }
  if (!current) {
    if (previous.length) {
      throw new Error(
        `${where}.previousKeys is set but ${where}.encryptionKey is not: the current key encrypts, previous keys only decrypt`,
      );
    }
    return undefined;
  }
  return new SecretBox(current, previous);
}

/** Reads the key file, creating it with a new random key the first time. */
function keyFromFile(file: string, logger: LoggerService): Buffer {
  const where = `novahost.secrets.keyFile (${file})`;
  try {
    return parseKey(fs.readFileSync(file, 'utf8'), where);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    // 'wx': of two processes starting at once, one writes and both read it.
    fs.writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
    logger.info(
      `Generated the key that encrypts secret variables in ${file}; back it up with the database (without it they cannot be decrypted)`,
    );
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return parseKey(fs.readFileSync(file, 'utf8'), where);
}
