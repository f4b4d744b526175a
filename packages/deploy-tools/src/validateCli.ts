/**
 * yarn charts:validate — what `helm lint`, `helm template | kubeconform`
 * and actionlint check, with tools this machine has: renders
 * charts/novahost for each value set with the Go renderer (helm's engine),
 * validates the values against values.schema.json and every rendered object
 * against its schema, validates the ArgoCD manifests, runs yamllint and
 * actionlint. Prints counts; exits 1 on any problem.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  actionlint,
  argocdManifests,
  checkChart,
  VALUE_SETS,
  workflowFiles,
  yamllint,
} from './checks.ts';
import { repoRoot } from './repo.ts';
import { validateObjects } from './validate.ts';

async function main(): Promise<number> {
  const root = repoRoot();
  let problems = 0;
  const report = (lines: string[]) => {
    for (const line of lines) process.stdout.write(`  ${line}\n`);
    problems += lines.length;
  };

  for (const set of VALUE_SETS) {
    const r = checkChart(set.valueFiles, set.name);
    process.stdout.write(
      `charts/novahost (${set.name}): ${r.objects.length} objects, ${r.valuesProblems.length} values schema errors, ${r.schemaProblems.length} object schema errors, ${r.lintProblems.length} yamllint problems\n`,
    );
    report(r.valuesProblems.map(p => `values: ${p}`));
    report(r.schemaProblems.map(p => `${p.object}: ${p.message}`));
    report(r.lintProblems);
  }

  const manifests = argocdManifests();
  const argoObjects = manifests.flatMap(m => m.objects);
  const argoProblems = validateObjects(argoObjects);
  const argoLint = yamllint(manifests.map(m => m.file));
  process.stdout.write(
    `charts/argocd: ${argoObjects.length} objects in ${manifests.length} files, ${argoProblems.length} schema errors, ${argoLint.length} yamllint problems\n`,
  );
  report(argoProblems.map(p => `${p.object}: ${p.message}`));
  report(argoLint);

  const workflows = workflowFiles();
  const workflowProblems = (
    await Promise.all(
      workflows.map(f => actionlint(readFileSync(join(root, f), 'utf8'), f)),
    )
  ).flat();
  const workflowLint = yamllint(workflows);
  process.stdout.write(
    `.github/workflows: ${workflows.length} files, ${workflowProblems.length} actionlint problems, ${workflowLint.length} yamllint problems\n`,
  );
  report(
    workflowProblems.map(
      p => `${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`,
    ),
  );
  report(workflowLint);

  process.stdout.write(
    problems
      ? `charts:validate: ${problems} problems\n`
      : 'charts:validate: ok\n',
  );
  return problems ? 1 : 0;
}

main().then(
  code => process.exit(code),
  e => {
    process.stderr.write(`charts:validate: ${e?.stack ?? e}\n`);
    process.exit(1);
  },
);
