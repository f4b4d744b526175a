/**
 * Display names of the framework ids the build program detects
 * (packages/build-runner/src/detect.ts).
 *
 * @public
 */
export const FRAMEWORK_NAMES: Readonly<Record<string, string>> = {
  nextjs: 'Next.js',
  nuxtjs: 'Nuxt',
  astro: 'Astro',
  sveltekit: 'SvelteKit',
  remix: 'Remix',
  gatsby: 'Gatsby',
  docusaurus: 'Docusaurus',
  vitepress: 'VitePress',
  eleventy: 'Eleventy',
  angular: 'Angular',
  'create-react-app': 'Create React App',
  vue: 'Vue CLI',
  vite: 'Vite',
};

/**
 * The display name of a detected framework id: `Vite` for `vite`; an id a
 * newer build program reports is shown as it is.
 *
 * @public
 */
export function frameworkName(id: string): string {
  return Object.prototype.hasOwnProperty.call(FRAMEWORK_NAMES, id)
    ? FRAMEWORK_NAMES[id]
    : id;
}
