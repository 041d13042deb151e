// The playground page and its start-up script. Everything it loads is served by the API itself
// (React, ReactDOM and GraphiQL's UMD builds from node_modules), so it works without internet.
import { EXAMPLE_TABS } from './examples';

export const ASSET_BASE = '/playground/assets';

/** JSON inside a <script> element: `<` is escaped so no text can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

export function playgroundHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SynthBUS GraphQL playground</title>
<link rel="stylesheet" href="${ASSET_BASE}/graphiql.min.css">
<style>html, body, #playground { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="playground">Loading the playground…</div>
<script id="playground-tabs" type="application/json">${scriptJson(EXAMPLE_TABS)}</script>
<script src="${ASSET_BASE}/react.production.min.js"></script>
<script src="${ASSET_BASE}/react-dom.production.min.js"></script>
<script src="${ASSET_BASE}/graphiql.min.js"></script>
<script src="/playground/start.js"></script>
</body>
</html>
`;
}

/**
 * Mounts GraphiQL on the page's own origin: queries and mutations over HTTP (JSON, so Apollo's
 * CSRF check passes), subscriptions over graphql-ws, whose connection params get the Headers
 * tab's values (the server reads `Authorization` from them).
 */
export const START_SCRIPT = `(function () {
  var http = location.origin + '/graphql';
  var ws = http.replace(/^http/, 'ws');
  var tabs = JSON.parse(document.getElementById('playground-tabs').textContent);
  var fetcher = GraphiQL.createFetcher({ url: http, subscriptionUrl: ws });
  ReactDOM.createRoot(document.getElementById('playground')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: tabs,
      defaultEditorToolsVisibility: 'headers',
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false
    })
  );
})();
`;
