/**
 * The proxy's own branded pages. They are static: nothing from the request
 * (host, path, headers) is ever written into them.
 */

export interface PageContent {
  title: string;
  heading: string;
  message: string;
}

/** Renders a self-contained page (inline styles, no external resources). */
export function renderPage(status: number, page: PageContent): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Novahost — ${status} ${page.title}</title>
<style>
  :root { color-scheme: light dark; }
  html, body { height: 100%; margin: 0; }
  body {
    display: flex; align-items: center; justify-content: center;
    font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
    background: #0b0d12; color: #e7e9ee;
  }
  main { max-width: 32rem; padding: 2rem; text-align: center; }
  .brand { font-weight: 700; letter-spacing: .08em; text-transform: uppercase;
    font-size: .8rem; color: #8b93a7; }
  .status { font-size: 4rem; font-weight: 800; margin: .5rem 0 0;
    background: linear-gradient(90deg, #7c5cff, #22d3ee);
    -webkit-background-clip: text; background-clip: text; color: transparent; }
  h1 { font-size: 1.4rem; margin: .25rem 0 1rem; }
  p { color: #b4bac8; margin: 0; }
</style>
</head>
<body>
<main>
  <div class="brand">&#9650; Novahost</div>
  <div class="status">${status}</div>
  <h1>${page.heading}</h1>
  <p>${page.message}</p>
</main>
</body>
</html>
`;
}
