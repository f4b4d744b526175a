import { TestDatabases } from '@backstage/backend-test-utils';
import { createHash, randomBytes } from 'crypto';
import { logTexts, user } from './__testUtils__/backend';
import { kubernetesSuite, NS } from './__testUtils__/kubernetesSuite';
import { jobName } from './runners/kubernetesPod';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15'] });

const SECRET = `k8s/${randomBytes(9).toString('base64url')} +&=`;
const FORMS = [
  SECRET,
  Buffer.from(SECRET).toString('base64'),
  encodeURIComponent(SECRET),
];

/** A secret of the preview target only: production builds never get it. */
const PREVIEW_SECRET = `preview-${randomBytes(9).toString('hex')}`;

/**
 * Prints the secret (as it is, base64, URL-encoded) and the preview-only
 * secret, which it reads from its repository: the build step has no mask
 * for it, the backend has (every secret of the project); tells whether
 * the plan still holds the secret.
 */
const BUILD_JS = `
const fs = require('fs');
const s = process.env.CMS_TOKEN;
console.log('hash ' + require('crypto').createHash('sha256').update(s).digest('hex'));
console.log('plain ' + s);
console.error('base64 ' + Buffer.from(s).toString('base64'));
console.log('url ' + encodeURIComponent(s));
console.log('other ' + require('./site.json').other);
console.log('plan holds secret: ' + fs.readFileSync('../plan.json', 'utf8').includes(s));
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/index.html', 'ok');
`;

describe.each(databases.eachSupportedId())(
  'project variables on the kubernetes runner (%p)',
  id => {
    const suite = kubernetesSuite(databases, id);

    it('gives secrets to the build through the spec only, masked in the followed log', async () => {
      const nh = await suite.start(
        {},
        {},
        {
          secrets: { encryptionKey: randomBytes(32).toString('base64') },
        },
      );
      const project = await suite.createSiteProject('K8s Env', {
        files: { other: PREVIEW_SECRET },
        buildJs: BUILD_JS,
      });
      const put = await nh.api
        .put(`/api/novahost/projects/${project.id}/env/CMS_TOKEN`)
        .set(user)
        .send({ value: SECRET, targets: ['production'], secret: true });
      expect(put.status).toBe(200);
      const preview = await nh.api
        .put(`/api/novahost/projects/${project.id}/env/PREVIEW_TOKEN`)
        .set(user)
        .send({ value: PREVIEW_SECRET, targets: ['preview'], secret: true });
      expect(preview.status).toBe(200);
      const d = await nh.deploy(project.id);
      const streamed = logTexts(await nh.logs(d.id, { timeoutMs: 90_000 }));
      const done = await suite.waitFor(d.id, x =>
        ['ready', 'failed'].includes(x.status),
      );
      expect([done.status, done.error]).toEqual(['ready', null]);

      const hash = createHash('sha256').update(SECRET).digest('hex');
      const stored = logTexts(await nh.logs(d.id));
      for (const texts of [streamed, stored]) {
        expect(texts).toEqual(
          expect.arrayContaining([
            `hash ${hash}`,
            'plain ***',
            'base64 ***',
            'url ***',
            'other ***',
            'plan holds secret: false',
          ]),
        );
        for (const form of [...FORMS, PREVIEW_SECRET]) {
          expect(texts.join('\n')).not.toContain(form);
        }
      }
      // The container log the node keeps: masked by the build step, but
      // for the secret it was not given, which only the backend masked.
      const containerLog = suite.k8s.runs
        .get(`${NS}/${jobName(d.id)}`)!
        .logs.get('build')!
        .lines.map(l => l.text);
      expect(containerLog).toContain('out plain ***');
      expect(containerLog).toContain(`out other ${PREVIEW_SECRET}`);
      // Never in the Job, its Secret or the database in clear.
      const objects = JSON.stringify([
        suite.k8s.created,
        suite.k8s.createdSecrets,
        await suite.knex('novahost_env_vars'),
      ]);
      for (const form of [...FORMS, PREVIEW_SECRET]) {
        expect(objects).not.toContain(form);
      }
    });
  },
);
