import {
  deploymentRow,
  describeEachDatabase,
  projectRow,
} from './__testUtils__/fixtures';

jest.setTimeout(60_000);

describeEachDatabase('newer deployments', ctx => {
  it('finds a newer deployment of the same pull request or commit, by time then id', async () => {
    const project = projectRow();
    const other = projectRow();
    await ctx.db.insertProject(project);
    await ctx.db.insertProject(other);
    const at = (ms: number, patch: object, projectId = project.id) =>
      deploymentRow(projectId, { created_at: new Date(ms), ...patch });
    const first = at(1_000, { pr_number: 7, commit_sha: 'a'.repeat(40) });
    // Same time: the larger id is the newer one.
    const twin = at(1_000, { pr_number: 8, commit_sha: 'a'.repeat(40) });
    const [low, high] = [first, twin].sort((x, y) => (x.id < y.id ? -1 : 1));
    const later = at(2_000, { pr_number: 7, commit_sha: 'b'.repeat(40) });
    const elsewhere = at(3_000, { pr_number: 8 }, other.id);
    for (const row of [first, twin, later, elsewhere]) {
      await ctx.db.insertDeployment(row);
    }
    // As a listener gets them: read back, timestamps as the engine returns them.
    const read = async (id: string) => (await ctx.db.getDeployment(id))!;

    const newer = (id: string, match: object) =>
      read(id).then(row => ctx.db.newerDeploymentExists(row, match));
    expect(await newer(first.id, { pr_number: 7 })).toBe(true);
    expect(await newer(later.id, { pr_number: 7 })).toBe(false);
    // PR 8 of this project has only the twin; the other project's does not count.
    expect(await newer(twin.id, { pr_number: 8 })).toBe(false);
    expect(await newer(low.id, { commit_sha: 'a'.repeat(40) })).toBe(true);
    expect(await newer(high.id, { commit_sha: 'a'.repeat(40) })).toBe(false);
  });
});
