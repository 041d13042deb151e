// The offline playground in headless Chromium: load the page from the API, run a query with an
// API key in the Headers tab, see the result, keep a screenshot in test-artifacts/.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';
import { EXAMPLE_TABS } from '../../src/playground/examples';
import { createApprovedPartner, REPO_ROOT, startTestStack, TestStack } from '../helpers/stack';
import { findChromium } from './chromium';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

let stack: TestStack;
let browser: BrowserContext;
let userDataDir: string;
let origin: string;

beforeAll(async () => {
  const executablePath = findChromium(process.env, chromium.executablePath());
  stack = await startTestStack();
  origin = new URL(stack.url).origin;
  userDataDir = await fs.mkdtemp(join(tmpdir(), 'synthbus-chromium-'));
  // A fresh profile per run (launchPersistentContext is how playwright takes --user-data-dir).
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  await fs.mkdir(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  if (userDataDir) await fs.rm(userDataDir, { recursive: true, force: true });
});

/** Sets a GraphiQL (CodeMirror 5) editor's text through the editor's own API. */
async function setEditor(page: Page, selector: string, text: string): Promise<void> {
  const editor = page.locator(`${selector} .CodeMirror:visible`).first();
  await editor.waitFor();
  await editor.evaluate((el, value) => (el as unknown as { CodeMirror: { setValue(v: string): void } }).CodeMirror.setValue(value), text);
}

it('loads with no outside requests, opens on the partner journey, and runs a query with an API key', async () => {
  const partner = await createApprovedPartner(stack, 'Playground Clinic');
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1400, height: 900 });
  const requested: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));

  await page.goto(`${origin}/playground`);
  await page.waitForSelector('.graphiql-container');
  const firstTab = await page.locator('.graphiql-query-editor .CodeMirror').innerText();
  expect(firstTab).toContain('mutation Apply');
  expect(await page.locator('.graphiql-tab').count()).toBe(EXAMPLE_TABS.length);

  await setEditor(page, '.graphiql-query-editor', 'query WhoAmI { me { name institution status } }');
  await page.getByText('Headers', { exact: true }).click();
  await setEditor(page, '.graphiql-editor-tool', JSON.stringify({ Authorization: `Bearer ${partner.key}` }));
  await page.click('.graphiql-execute-button');
  const result = page.locator('.result-window');
  await result.getByText('Playground Clinic Research').waitFor();
  const text = await result.innerText();
  expect(text).toContain('"name": "Playground Clinic"');
  expect(text).toContain('"status": "APPROVED"');
  await page.screenshot({ path: join(ARTIFACTS, 'playground.png') });

  expect(pageErrors).toEqual([]);
  expect(requested.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'))).toEqual([]);
  await page.close();
});

it('shows the error the API gives for a bad key', async () => {
  const page = await browser.newPage();
  await page.goto(`${origin}/playground`);
  await setEditor(page, '.graphiql-query-editor', '{ me { name } }');
  await page.getByText('Headers', { exact: true }).click();
  await setEditor(page, '.graphiql-editor-tool', JSON.stringify({ Authorization: 'Bearer sbk_not_a_real_key' }));
  await page.click('.graphiql-execute-button');
  await page.locator('.result-window').getByText('UNAUTHENTICATED').waitFor();
  await page.close();
});

it('runs subscriptions over WebSocket with the key from the Headers tab', async () => {
  const partner = await createApprovedPartner(stack, 'Socket Clinic');
  const page = await browser.newPage();
  await page.goto(`${origin}/playground`);
  const missing = '00000000-0000-4000-8000-000000000000';
  await setEditor(page, '.graphiql-query-editor', `subscription { orderProgress(orderId: "${missing}") { type status } }`);
  await page.getByText('Headers', { exact: true }).click();
  await setEditor(page, '.graphiql-editor-tool', JSON.stringify({ Authorization: `Bearer ${partner.key}` }));
  await page.click('.graphiql-execute-button');
  // Authenticated over the socket, the partner reaches the resolver, which does not reveal the order.
  await page.locator('.result-window').getByText('"NOT_FOUND"').waitFor();
  expect(await page.locator('.result-window').innerText()).toContain(missing);
  await page.close();
});

it("runs the journey's usage tab as it stands, with only the key filled in", async () => {
  const partner = await createApprovedPartner(stack, 'Usage Tab Clinic');
  const page = await browser.newPage();
  await page.goto(`${origin}/playground`);
  // GraphiQL keeps its tabs in localStorage, which this profile's earlier pages edited (seen in
  // CI: the usage tab's editor showed the subscription an earlier test typed): start afresh.
  await page.evaluate('localStorage.clear()');
  await page.reload();
  const step = EXAMPLE_TABS.findIndex((t) => t.query.includes('query Usage'));
  await page.locator('.graphiql-tab').nth(step).click();
  // CodeMirror draws the tab's text after the click: wait for it rather than read it at once.
  const editor = page.locator('.graphiql-query-editor .CodeMirror:visible');
  for (let waited = 0; !(await editor.innerText()).includes('query Usage') && waited < 10_000; waited += 100) await page.waitForTimeout(100);
  expect(await editor.innerText()).toContain('query Usage');
  await page.getByText('Headers', { exact: true }).click();
  await setEditor(page, '.graphiql-editor-tool', JSON.stringify({ Authorization: `Bearer ${partner.key}` }));
  await page.click('.graphiql-execute-button');
  const result = page.locator('.result-window');
  await result.getByText('"imagesAvailable"').waitFor();
  expect(await result.innerText()).toContain('"ordersPlaced": 0');
  await page.close();
});

it('is served only from an allow-list of bundled assets', async () => {
  const ok = await fetch(`${origin}/playground/assets/graphiql.min.js`);
  expect(ok.status).toBe(200);
  expect(ok.headers.get('content-type')).toMatch(/^text\/javascript/);
  expect((await fetch(`${origin}/playground/assets/..%2Fpackage.json`)).status).toBe(404);
  expect((await fetch(`${origin}/playground/assets/index.js`)).status).toBe(404);
});

it('is not served when the playground is switched off', async () => {
  const off = await startTestStack({ config: { playground: false } });
  try {
    const base = new URL(off.url).origin;
    expect((await fetch(`${base}/playground`)).status).toBe(404);
    expect((await fetch(`${base}/playground/assets/graphiql.min.js`)).status).toBe(404);
  } finally {
    await off.close();
  }
});

it("loads the schema into the Docs pane: GraphiQL's own introspection query is not refused by the depth limit", async () => {
  const page = await browser.newPage();
  const refusals: string[] = [];
  page.on('response', (r) => {
    if (r.url().startsWith(stack.url) && r.status() >= 400) refusals.push(`${r.status()} ${r.url()}`);
  });
  await page.goto(`${origin}/playground`);
  await page.waitForSelector('.graphiql-container');
  await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
  await page.locator('.graphiql-doc-explorer').getByText('Mutation', { exact: true }).click();
  await page.locator('.graphiql-doc-explorer').getByText('placeOrder', { exact: true }).waitFor();
  expect(refusals).toEqual([]);
  await page.close();
});
