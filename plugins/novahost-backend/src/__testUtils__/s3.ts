// One S3 test server for every package: it lives with the stores.
export { startS3Server } from '@internal/plugin-novahost-node/testUtils';
