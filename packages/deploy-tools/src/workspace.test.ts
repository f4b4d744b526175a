import { repoRoot } from './repo.ts';
import { dependencyCycles, workspaceGraph } from './workspace.ts';

// import/no-cycle (lint) finds cycles inside a package; this finds the ones
// between packages, which a package-by-package lint cannot see.
describe('workspace packages', () => {
  it('depend on each other without a cycle', () => {
    const graph = workspaceGraph(repoRoot());
    expect(graph.get('@internal/plugin-novahost-backend')).toEqual(
      expect.arrayContaining(['@internal/plugin-novahost-node']),
    );
    expect(dependencyCycles(graph)).toEqual([]);
  });

  it('reports a cycle when there is one (so the check above can fail)', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(dependencyCycles(graph)).toEqual([['a', 'b', 'c', 'a']]);
    expect(
      dependencyCycles(
        new Map([
          ['x', ['y']],
          ['y', []],
        ]),
      ),
    ).toEqual([]);
  });
});
