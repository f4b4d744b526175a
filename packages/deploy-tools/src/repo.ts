import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The repository root: the nearest directory above the working directory
 * holding charts/novahost. Works from the root (yarn charts:validate), from
 * this package (jest) and from CI's fresh clone.
 */
export function repoRoot(from: string = process.cwd()): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'charts', 'novahost', 'Chart.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`no charts/novahost/Chart.yaml above ${from}`);
    }
    dir = parent;
  }
}
