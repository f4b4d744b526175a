import { deploymentSchema } from './responses';
import { frameworkName } from './frameworks';

const deployment = {
  id: 'd1',
  shortId: 'ab12cd34',
  projectId: 'p1',
  ref: 'main',
  commitSha: null,
  status: 'ready',
  error: null,
  exitCode: null,
  createdBy: null,
  url: 'http://x-ab12cd34.localhost',
  isProduction: false,
  stats: null,
  createdAt: '2026-11-24T00:00:00.000Z',
  startedAt: null,
  uploadingAt: null,
  finishedAt: null,
};

describe('deploymentSchema', () => {
  it('keeps the detected framework', () => {
    expect(
      deploymentSchema.parse({ ...deployment, framework: 'vite' }).framework,
    ).toBe('vite');
  });

  it('reads an older backend without framework as null', () => {
    expect(deploymentSchema.parse(deployment).framework).toBeNull();
  });

  it('rejects a framework of the wrong type', () => {
    expect(
      deploymentSchema.safeParse({ ...deployment, framework: 3 }).success,
    ).toBe(false);
  });
});

describe('frameworkName', () => {
  it('names known ids and shows unknown ones as they are', () => {
    expect(frameworkName('nextjs')).toBe('Next.js');
    expect(frameworkName('create-react-app')).toBe('Create React App');
    expect(frameworkName('qwik')).toBe('qwik');
    expect(frameworkName('toString')).toBe('toString');
  });
});
