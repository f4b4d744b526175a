import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from './repo.ts';

/** A rendered Kubernetes object (plain JSON). */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: any;
};

export type RenderOptions = {
  /** Chart directory, relative to the repository root (or absolute). */
  chart?: string;
  /** Values files (relative to the repository root), after values.yaml. */
  valueFiles?: string[];
  /** `--set key=value` pairs. */
  set?: Record<string, string | number | boolean>;
  releaseName?: string;
  namespace?: string;
  /** A missing map key is an error, as in `helm lint --strict` (default true). */
  strict?: boolean;
};

export type Rendered = {
  /** The YAML stream, as `helm template` prints it. */
  text: string;
  objects: KubeObject[];
};

function newer(a: string, b: string): boolean {
  try {
    return statSync(a).mtimeMs >= statSync(b).mtimeMs;
  } catch {
    return false;
  }
}

/**
 * Builds charts/tools/render (Go text/template + sprig, helm's engine) once
 * per source change, into node_modules/.cache. Go and sprig come from Debian
 * (scripts/setup.sh installs them).
 */
export function rendererBinary(root = repoRoot()): string {
  const source = join(root, 'charts', 'tools', 'render', 'main.go');
  const cache = join(root, 'node_modules', '.cache', 'novahost-render');
  const binary = join(cache, 'render');
  if (newer(binary, source)) return binary;
  mkdirSync(cache, { recursive: true });
  // Parallel jest workers may build at once: each builds to its own file and
  // renames it into place atomically.
  const tmp = `${binary}.${process.pid}`;
  execFileSync('go', ['build', '-o', tmp, '.'], {
    cwd: join(root, 'charts', 'tools', 'render'),
    env: {
      ...process.env,
      GO111MODULE: 'off',
      GOPATH: process.env.NOVAHOST_GOPATH ?? '/usr/share/gocode',
      GOCACHE: join(cache, 'go-build'),
      GOFLAGS: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  renameSync(tmp, binary);
  return binary;
}

function renderArgs(o: RenderOptions, root: string): string[] {
  const args = [
    '--name',
    o.releaseName ?? 'novahost',
    '--namespace',
    o.namespace ?? 'novahost',
  ];
  if (o.strict ?? true) args.push('--strict');
  for (const file of o.valueFiles ?? []) args.push('-f', resolve(root, file));
  for (const [key, value] of Object.entries(o.set ?? {})) {
    args.push('--set', `${key}=${value}`);
  }
  args.push(resolve(root, o.chart ?? 'charts/novahost'));
  return args;
}

/** Thrown with the renderer's own message (a `required`/`fail` or a template error). */
export class RenderError extends Error {}

function runRenderer(args: string[], root: string): string {
  try {
    return execFileSync(rendererBinary(root), args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e: any) {
    throw new RenderError(String(e.stderr || e.message).trim());
  }
}

/** Renders a chart like `helm template` and parses every object. */
export function renderChart(options: RenderOptions = {}): Rendered {
  const root = repoRoot();
  const text = runRenderer(renderArgs(options, root), root);
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) {
      throw new RenderError(
        `rendered YAML does not parse: ${doc.errors[0].message}`,
      );
    }
    const value = doc.toJSON();
    if (value !== null && value !== undefined) objects.push(value);
  }
  return { text, objects };
}

/** The merged values (values.yaml, then each file, then --set), as helm computes them. */
export function mergedValues(options: RenderOptions = {}): unknown {
  const root = repoRoot();
  return JSON.parse(
    runRenderer(['--values-only', ...renderArgs(options, root)], root),
  );
}
