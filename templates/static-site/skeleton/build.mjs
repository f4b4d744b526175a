// Builds dist/ from pages/*.html and layout.html, with no dependencies.
// Each page starts with an HTML comment holding its title:
//   <!-- title: Getting started -->
// Novahost serves /getting-started from getting-started.html, and
// 404.html for missing paths.
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const site = JSON.parse(readFileSync('site.json', 'utf8'));
const layout = readFileSync('layout.html', 'utf8');
const escape = s =>
  s.replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist', { recursive: true });
cpSync('public', 'dist', { recursive: true });

const nav = site.nav
  .map(item => `<a href="${escape(item.href)}">${escape(item.label)}</a>`)
  .join('\n        ');

let pages = 0;
for (const file of readdirSync('pages').filter(f => f.endsWith('.html'))) {
  const source = readFileSync(join('pages', file), 'utf8');
  const title = /<!--\s*title:\s*(.*?)\s*-->/.exec(source)?.[1] ?? site.title;
  const html = layout
    .replaceAll('<!--site-title-->', escape(site.title))
    .replaceAll('<!--page-title-->', escape(title))
    .replaceAll('<!--description-->', escape(site.description))
    .replaceAll('<!--nav-->', nav)
    .replaceAll('<!--year-->', String(new Date().getFullYear()))
    .replace('<!--content-->', source);
  writeFileSync(join('dist', file), html);
  pages++;
}
console.log(`Built ${pages} pages into dist/`);
