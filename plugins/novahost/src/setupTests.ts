import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// `make test` runs these jsdom suites beside the backend's real builds on
// two cores: a first render can take seconds there. Generous limits keep
// the tests about behaviour, not machine speed; a broken page still fails.
configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);
