import { frameworkName } from '@internal/plugin-novahost-common';
import type { Deployment, Project } from '@internal/plugin-novahost-common';

/** `42s`, `3m 05s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** `just now`, `5m ago`, `3h ago`, `2d ago`. */
export function formatAge(iso: string, now: number = Date.now()): string {
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 10) return 'just now';
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ago`;
  return `${Math.floor(h / 24)}d ago`;
}

/** How long a deployment took (or has taken so far), from creation. */
export function deploymentDuration(
  d: Deployment,
  now: number = Date.now(),
): number {
  const end = d.finishedAt ? Date.parse(d.finishedAt) : now;
  return end - Date.parse(d.createdAt);
}

export function shortSha(sha: string | null): string {
  return sha ? sha.slice(0, 7) : '—';
}

const FRAMEWORKS: Array<[RegExp, string]> = [
  [/\bnext\b/, 'Next.js'],
  [/\bnuxt|nuxi\b/, 'Nuxt'],
  [/\bastro\b/, 'Astro'],
  [/\bgatsby\b/, 'Gatsby'],
  [/\bsvelte-kit\b|\bsveltekit\b/, 'SvelteKit'],
  [/\bvite\b/, 'Vite'],
  [/\bng build\b/, 'Angular'],
  [/\breact-scripts\b/, 'Create React App'],
  [/\bdocusaurus\b/, 'Docusaurus'],
  [/\bhugo\b/, 'Hugo'],
  [/\bjekyll\b/, 'Jekyll'],
  [/\beleventy\b/, 'Eleventy'],
  [/\bmkdocs\b/, 'MkDocs'],
];

/**
 * The framework a project's configured build command names, e.g. `Vite`
 * for `vite build`; `Other` when it names none (such as the default
 * `npm run build`).
 */
export function guessFramework(project: Project): string {
  const cmd = project.buildCommand ?? '';
  for (const [re, name] of FRAMEWORKS) {
    if (re.test(cmd)) return name;
  }
  if (project.outputDirectory === '.next') return 'Next.js';
  return 'Other';
}

/**
 * The framework to show for a project: the one its latest deployment's
 * build detected from package.json, else the guess from the build command
 * (no deployment yet, one still queued, or a backend that does not detect).
 */
export function projectFramework(project: Project): string {
  const detected = project.latestDeployment?.framework;
  return detected ? frameworkName(detected) : guessFramework(project);
}

/** `guest` for `user:development/guest`: the name part of an entity ref. */
export function refName(ref: string | null): string {
  if (!ref) return '—';
  return ref.slice(ref.lastIndexOf('/') + 1).replace(/^[a-z]+:/, '');
}

/** `my-site-ab12cd34.localhost` for `http://my-site-ab12cd34.localhost:8080`. */
export function urlHost(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}
