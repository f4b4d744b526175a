import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  detectPackageManager,
  installCommand,
  type PackageManagerChoice,
} from './packageManager.ts';

/** What to run for a project, decided from its files and its settings. */
export interface BuildPlan {
  /** The package manager and its version (packageManager.ts); null without package.json. */
  packageManager: PackageManagerChoice | null;
  /** Shell command line, or null when there is nothing to install. */
  install: string | null;
  build: string | null;
  /** The framework the project uses, or null for a plain or static site. */
  framework: Framework | null;
}

function readPackageJson(dir: string): Record<string, any> | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Framework ids, as the backend stores them (Vercel's slugs where it has one). */
export type Framework =
  | 'nextjs'
  | 'nuxtjs'
  | 'astro'
  | 'sveltekit'
  | 'remix'
  | 'gatsby'
  | 'docusaurus'
  | 'vitepress'
  | 'eleventy'
  | 'angular'
  | 'create-react-app'
  | 'vue'
  | 'vite';

interface FrameworkRule {
  id: Framework;
  name: string;
  /** Any of these packages in dependencies or devDependencies. */
  packages: string[];
  /** Or any of these files next to package.json. */
  files?: string[];
}

/**
 * In the order they are tried: frameworks built on others come first
 * (SvelteKit, Astro, Nuxt, Remix and VitePress all depend on Vite, Docusaurus
 * and Gatsby on React), so plain Vite is last.
 */
const FRAMEWORKS: FrameworkRule[] = [
  { id: 'nextjs', name: 'Next.js', packages: ['next'] },
  { id: 'nuxtjs', name: 'Nuxt', packages: ['nuxt', 'nuxt3', 'nuxt-edge'] },
  { id: 'astro', name: 'Astro', packages: ['astro'] },
  { id: 'sveltekit', name: 'SvelteKit', packages: ['@sveltejs/kit'] },
  {
    id: 'remix',
    name: 'Remix',
    packages: ['@remix-run/dev'],
    files: ['remix.config.js', 'remix.config.mjs'],
  },
  { id: 'gatsby', name: 'Gatsby', packages: ['gatsby'] },
  { id: 'docusaurus', name: 'Docusaurus', packages: ['@docusaurus/core'] },
  { id: 'vitepress', name: 'VitePress', packages: ['vitepress'] },
  { id: 'eleventy', name: 'Eleventy', packages: ['@11ty/eleventy'] },
  {
    id: 'angular',
    name: 'Angular',
    packages: ['@angular/cli'],
    // Workspaces that get the CLI from elsewhere still have their config.
    files: ['angular.json'],
  },
  {
    id: 'create-react-app',
    name: 'Create React App',
    packages: ['react-scripts'],
  },
  { id: 'vue', name: 'Vue CLI', packages: ['@vue/cli-service'] },
  { id: 'vite', name: 'Vite', packages: ['vite'] },
];

/** The display name of a framework id (`Vite` for `vite`). */
export function frameworkName(id: Framework): string {
  return FRAMEWORKS.find(f => f.id === id)?.name ?? id;
}

/**
 * The framework of a project, from the packages its package.json depends on
 * (and config files where those tell more); null without package.json or
 * without a known framework: a plain or static site.
 */
export function detectFramework(dir: string): Framework | null {
  const pkg = readPackageJson(dir);
  if (!pkg) return null;
  const deps = new Set<string>();
  for (const field of ['dependencies', 'devDependencies']) {
    const value = pkg[field];
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const name of Object.keys(value)) deps.add(name);
    }
  }
  for (const rule of FRAMEWORKS) {
    if (rule.packages.some(p => deps.has(p))) return rule.id;
    if (rule.files?.some(f => existsSync(join(dir, f)))) return rule.id;
  }
  return null;
}

/**
 * Plans install and build from the project settings, falling back to
 * detection; `repoRoot` bounds the search for a workspace's lockfile.
 */
export function planBuild(
  dir: string,
  settings: { installCommand: string | null; buildCommand: string | null },
  repoRoot: string = dir,
): BuildPlan {
  const pm = detectPackageManager(dir, repoRoot) ?? null;
  const pkg = pm ? readPackageJson(dir) : undefined;
  const install = settings.installCommand ?? (pm ? installCommand(pm) : null);
  const build =
    settings.buildCommand ??
    (pm && typeof pkg?.scripts?.build === 'string'
      ? `${pm.name} run build`
      : null);
  return {
    packageManager: pm,
    install,
    build,
    framework: pm ? detectFramework(dir) : null,
  };
}

/** Where frameworks put their output, in the order they are tried. */
export const OUTPUT_CANDIDATES = ['dist', 'build', 'out', 'public', '_site'];

/**
 * The output directory, relative to the project directory: the configured
 * one, or the first conventional one that exists, or the project directory
 * itself for a plain static site.
 */
export function detectOutputDirectory(
  dir: string,
  configured: string | null,
): string {
  if (configured) return configured;
  for (const candidate of OUTPUT_CANDIDATES) {
    const p = join(dir, candidate);
    if (existsSync(p) && statSync(p).isDirectory()) return candidate;
  }
  return '.';
}
