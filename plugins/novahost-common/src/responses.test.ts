import { deploymentSchema } from './responses';
import { frameworkName } from './frameworks';
import { makeDeployment } from './testUtils';

// As a backend from before framework detection sends it.
const { framework: _, ...deployment } = makeDeployment();

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
