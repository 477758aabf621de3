// The dashboard at /ui/: a page, its script and its style, built from ui/ at
// install time (scripts/build-ui.mjs) and served from the Worker itself, no
// CDN. They hold no cluster data and answer without credentials; everything
// the page shows it reads through the API with the user's own token, so the
// API's authentication and authorization decide what each user sees.
import type { Context, Hono } from 'hono';
import { APP_CSS, APP_CSS_HASH, APP_JS, APP_JS_HASH } from './bundle.generated';

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>edgekube</title>
<link rel="stylesheet" href="/ui/app.css?v=${APP_CSS_HASH}">
</head>
<body>
<div id="app"></div>
<script type="module" src="/ui/app.js?v=${APP_JS_HASH}"></script>
</body>
</html>
`;

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

function asset(c: Context, body: string, type: string, hash: string) {
  const etag = `"${hash}"`;
  const headers = { ...SECURITY_HEADERS, 'Content-Type': type, ETag: etag, 'Cache-Control': 'no-cache' };
  if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
  return c.body(body, 200, headers);
}

const PATHS = new Set(['/ui', '/ui/', '/ui/app.js', '/ui/app.css']);

/** The dashboard's own paths, which answer without a user; any other /ui/ path is the API's to refuse. */
export const isDashboardPath = (path: string) => PATHS.has(path);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function dashboardRoutes(app: Hono<any>) {
  app.get('/ui', (c) => c.redirect('/ui/', 301));
  app.get('/ui/', (c) => c.body(PAGE, 200, { ...SECURITY_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' }));
  app.get('/ui/app.js', (c) => asset(c, APP_JS, 'text/javascript; charset=utf-8', APP_JS_HASH));
  app.get('/ui/app.css', (c) => asset(c, APP_CSS, 'text/css; charset=utf-8', APP_CSS_HASH));
}
