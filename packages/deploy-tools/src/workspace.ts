import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** Workspace package name → the workspace packages it depends on (any kind of dependency). */
export function workspaceGraph(root: string): Map<string, string[]> {
  const manifests = ['packages', 'plugins'].flatMap(dir =>
    readdirSync(join(root, dir))
      .map(name => join(root, dir, name, 'package.json'))
      .filter(existsSync)
      .map(file => JSON.parse(readFileSync(file, 'utf8'))),
  );
  const names = new Set(manifests.map(m => m.name as string));
  return new Map(
    manifests.map(m => [
      m.name as string,
      Object.keys({
        ...m.dependencies,
        ...m.devDependencies,
        ...m.peerDependencies,
      }).filter(dep => names.has(dep)),
    ]),
  );
}

/** Every dependency cycle in `graph`, each as the path that closes it (a → b → a). */
export function dependencyCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const visit = (node: string, path: string[]) => {
    const at = path.indexOf(node);
    if (at >= 0) {
      cycles.push([...path.slice(at), node]);
      return;
    }
    if (done.has(node)) return;
    for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
    done.add(node);
  };
  for (const node of graph.keys()) visit(node, []);
  return cycles;
}
