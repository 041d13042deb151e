// GET /playground: the offline GraphQL IDE (server/app.ts mounts it unless config switches it off).
// Assets come from an allow-list of files in node_modules, never from a CDN.
import type { Express, Response } from 'express';
import { dirname, join } from 'node:path';
import { ASSET_BASE, playgroundHtml, START_SCRIPT } from './page';

const ASSETS: Record<string, { pkg: string; file: string; type: string }> = {
  'react.production.min.js': { pkg: 'react', file: 'umd/react.production.min.js', type: 'text/javascript' },
  'react-dom.production.min.js': { pkg: 'react-dom', file: 'umd/react-dom.production.min.js', type: 'text/javascript' },
  'graphiql.min.js': { pkg: 'graphiql', file: 'graphiql.min.js', type: 'text/javascript' },
  'graphiql.min.css': { pkg: 'graphiql', file: 'graphiql.min.css', type: 'text/css' },
};

/** A file of an installed package (react's "exports" hide umd/, so resolve the package root). */
function packageFile(pkg: string, file: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), file);
}

function send(res: Response, type: string, body: string): void {
  res.setHeader('Content-Type', `${type}; charset=utf-8`);
  res.setHeader('Cache-Control', 'no-cache');
  res.send(body);
}

export function mountPlayground(app: Express): void {
  const html = playgroundHtml();
  app.get('/', (_req, res) => res.redirect(302, '/playground'));
  app.get('/playground', (_req, res) => send(res, 'text/html', html));
  app.get('/playground/start.js', (_req, res) => send(res, 'text/javascript', START_SCRIPT));
  app.get(`${ASSET_BASE}/:name`, (req, res) => {
    const asset = ASSETS[String(req.params.name)];
    if (!asset) {
      res.status(404).type('text/plain').send('No such playground asset.');
      return;
    }
    // The versions are pinned by package-lock, so a browser may keep them for a day.
    res.sendFile(packageFile(asset.pkg, asset.file), { headers: { 'Content-Type': `${asset.type}; charset=utf-8`, 'Cache-Control': 'public, max-age=86400' } });
  });
}
