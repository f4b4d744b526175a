/**
 * The GitOps step: set the image tags in a chart values file.
 *
 *   node packages/deploy-tools/src/bumpImageTagsCli.ts \
 *     charts/novahost/values-production.yaml <tag>            # all three images
 *   ... <file> --backend <tag> --proxy <tag> --build-runner <tag>
 *
 * Prints what changed; exits 0 with nothing changed when the tags are
 * already there (a re-run of the workflow).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { bumpImageTags, type ImageName } from './bumpImageTags.ts';

function main(argv: string[]): number {
  const [file, ...rest] = argv;
  if (!file || rest.length === 0) {
    process.stderr.write(
      'usage: bumpImageTagsCli.ts <values.yaml> <tag> | --backend <tag> --proxy <tag> --build-runner <tag>\n',
    );
    return 2;
  }
  const tags: Partial<Record<ImageName, string>> = {};
  if (rest.length === 1) {
    tags.backend = rest[0];
    tags.proxy = rest[0];
    tags.buildRunner = rest[0];
  } else {
    const names: Record<string, ImageName> = {
      '--backend': 'backend',
      '--proxy': 'proxy',
      '--build-runner': 'buildRunner',
    };
    for (let i = 0; i < rest.length; i += 2) {
      const name = names[rest[i]];
      if (!name || rest[i + 1] === undefined) {
        process.stderr.write(`unexpected argument '${rest[i]}'\n`);
        return 2;
      }
      tags[name] = rest[i + 1];
    }
  }
  const { text, changed } = bumpImageTags(readFileSync(file, 'utf8'), tags);
  if (changed.length) writeFileSync(file, text);
  process.stdout.write(
    changed.length
      ? `${file}: set ${changed.map(n => `${n}=${tags[n]}`).join(', ')}\n`
      : `${file}: tags already current\n`,
  );
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`bump-image-tags: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
