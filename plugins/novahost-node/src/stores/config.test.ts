import { ConfigReader } from '@backstage/config';
import {
  DEFAULT_LOCAL_STORE_DIRECTORY,
  readArtifactStoreConfig,
  readS3StoreOptions,
} from './config';

describe('readArtifactStoreConfig', () => {
  it('defaults to the local store in the default directory', () => {
    expect(readArtifactStoreConfig(new ConfigReader({}))).toEqual({
      type: 'local',
      directory: DEFAULT_LOCAL_STORE_DIRECTORY,
    });
    expect(
      readArtifactStoreConfig(
        new ConfigReader({
          novahost: { store: { type: 'local', local: { directory: '/a' } } },
        }),
      ),
    ).toEqual({ type: 'local', directory: '/a' });
  });

  it('reads the s3 block with its defaults', () => {
    expect(
      readArtifactStoreConfig(
        new ConfigReader({
          novahost: { store: { type: 's3', s3: { bucket: 'b' } } },
        }),
      ),
    ).toEqual({
      type: 's3',
      bucket: 'b',
      endpoint: undefined,
      region: 'auto',
      forcePathStyle: false,
      credentials: undefined,
      prefix: '',
      presignExpirySeconds: 900,
      verifyUploads: true,
    });
  });

  it('rejects an unknown type', () => {
    expect(() =>
      readArtifactStoreConfig(
        new ConfigReader({ novahost: { store: { type: 'ftp' } } }),
      ),
    ).toThrow("Unknown novahost.store.type 'ftp', expected 'local' or 's3'");
  });
});

describe('readS3StoreOptions', () => {
  it('ends a prefix with a slash and reads credentials', () => {
    const options = readS3StoreOptions(
      new ConfigReader({
        novahost: {
          store: {
            s3: {
              bucket: 'b',
              endpoint: 'https://r2.example',
              region: 'eu',
              forcePathStyle: true,
              prefix: 'sites',
              credentials: { accessKeyId: 'k', secretAccessKey: 's' },
              presignExpirySeconds: 60,
              verifyUploads: false,
            },
          },
        },
      }),
    );
    expect(options).toEqual({
      bucket: 'b',
      endpoint: 'https://r2.example',
      region: 'eu',
      forcePathStyle: true,
      prefix: 'sites/',
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
      presignExpirySeconds: 60,
      verifyUploads: false,
    });
  });

  it('leaves an empty prefix empty', () => {
    expect(
      readS3StoreOptions(
        new ConfigReader({ novahost: { store: { s3: { bucket: 'b' } } } }),
      ).prefix,
    ).toBe('');
  });
});
