import { filesOfPushPayload } from './changedFiles';
import { pushPayloadSchema } from './payloads';

describe('filesOfPushPayload', () => {
  const sha = 'a'.repeat(40);
  const payload = (commits: object[]) =>
    pushPayloadSchema.parse({
      ref: 'refs/heads/main',
      before: sha,
      after: sha,
      repository: { html_url: 'https://github.com/acme/site' },
      commits,
    });

  it('is the union of the commits’ added, modified and removed files', () => {
    expect(
      filesOfPushPayload(
        payload([
          { id: '1', added: ['a'], modified: ['b'], removed: [] },
          { id: '2', added: [], modified: ['b'], removed: ['c'] },
        ]),
      ),
    ).toEqual({ known: true, files: ['a', 'b', 'c'] });
  });

  it('is unknown without commits, or when GitHub listed only the first 20', () => {
    expect(filesOfPushPayload(payload([]))).toEqual({
      known: false,
      why: 'the push lists no commits',
    });
    const twenty = Array.from({ length: 20 }, (_, i) => ({
      id: `${i}`,
      modified: ['x'],
    }));
    expect(filesOfPushPayload(payload(twenty))).toMatchObject({
      known: false,
    });
  });
});
