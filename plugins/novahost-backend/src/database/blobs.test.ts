import { TestDatabases } from '@backstage/backend-test-utils';
import { NovahostDatabase } from './NovahostDatabase';
import {
  deploymentRow,
  openTestDatabase,
  projectRow,
} from './__testUtils__/fixtures';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

const hash = (c: string) => c.repeat(64);

describe.each(databases.eachSupportedId())('blob index on %p', databaseId => {
  let db: NovahostDatabase;

  beforeAll(async () => {
    db = await openTestDatabase(await databases.init(databaseId));
  });

  async function newDeployment() {
    const project = projectRow();
    await db.insertProject(project);
    const row = deploymentRow(project.id, { status: 'ready' });
    await db.insertDeployment(row);
    return row.id;
  }

  it('records blobs once and finds the existing ones', async () => {
    await db.insertBlobs([
      { hash: hash('1'), size: 10 },
      { hash: hash('2'), size: 20 },
    ]);
    await db.insertBlobs([{ hash: hash('1'), size: 10 }]);
    await db.insertBlob(hash('3'), 30);
    await db.insertBlob(hash('3'), 30);
    expect(await db.existingBlobs([hash('1'), hash('3'), hash('4')])).toEqual(
      new Set([hash('1'), hash('3')]),
    );
    // More hashes than one IN list holds.
    const many = Array.from({ length: 1200 }, (_, i) =>
      i.toString(16).padStart(64, '0'),
    );
    await db.insertBlobs(many.map(h => ({ hash: h, size: 1 })));
    expect((await db.existingBlobs(many)).size).toBe(many.length);
  });

  it('collects only blobs no deployment references', async () => {
    const a = await newDeployment();
    const b = await newDeployment();
    await db.insertBlobs(
      ['a', 'b', 'c'].map(c => ({ hash: hash(c), size: 1 })),
    );
    await db.addDeploymentBlobs(a, [hash('a'), hash('b')]);
    await db.addDeploymentBlobs(a, [hash('a')]);
    await db.addDeploymentBlobs(b, [hash('b')]);
    expect((await db.blobsOfDeployments([a, b])).sort()).toEqual([
      hash('a'),
      hash('b'),
    ]);

    const candidates = [hash('a'), hash('b'), hash('c')];
    expect(await db.collectUnreferencedBlobs(candidates)).toEqual([hash('c')]);
    expect(await db.existingBlobs(candidates)).toEqual(
      new Set([hash('a'), hash('b')]),
    );

    // Dropping a's references frees a, while b keeps its own.
    await db.deleteProject((await db.getDeployment(a))!.project_id);
    expect(await db.collectUnreferencedBlobs(candidates)).toEqual([hash('a')]);
    expect(await db.existingBlobs(candidates)).toEqual(new Set([hash('b')]));
  });
});
