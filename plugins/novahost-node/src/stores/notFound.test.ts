import { NotFoundError } from '@backstage/errors';
import { isNotFoundError } from './notFound';

describe('isNotFoundError', () => {
  it.each([
    ['NotFoundError', new NotFoundError('gone')],
    ['NoSuchKey', { name: 'NoSuchKey' }],
    ['NotFound (HEAD)', { name: 'NotFound' }],
    ['HTTP 404', { name: 'Unknown', $metadata: { httpStatusCode: 404 } }],
    ['ENOENT', Object.assign(new Error('no file'), { code: 'ENOENT' })],
  ])('recognises %s', (_name, error) => {
    expect(isNotFoundError(error)).toBe(true);
  });

  it.each([
    [
      'AccessDenied',
      { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } },
    ],
    ['EACCES', Object.assign(new Error('denied'), { code: 'EACCES' })],
    ['undefined', undefined],
  ])('does not take %s for a missing object', (_name, error) => {
    expect(isNotFoundError(error)).toBe(false);
  });
});
