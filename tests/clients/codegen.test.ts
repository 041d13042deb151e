// docs/clients.md's typed TypeScript client: GraphQL Code Generator (its core, with the plugins
// and settings of docs/clients/codegen.ts) types docs/clients/synthbus.graphql from the committed
// schema.graphql; client.ts compiles against the result under strict settings, a misuse does not,
// and the compiled client talks to a real server.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import config from '../../docs/clients/codegen';
import { createApprovedPartner, gqlOk, REPO_ROOT, startTestStack, TestStack } from '../helpers/stack';
import { CATALOG_MODEL } from '../helpers/model-summary';
import { registerModels } from '../../src/services/models';

const DOCS = join(REPO_ROOT, 'docs', 'clients');
const [[output, target]] = Object.entries(config.generates);

let dir: string;
beforeAll(async () => {
  // Inside the repository (.tmp/ is ignored), so the compiled client finds graphql in node_modules.
  mkdirSync(join(REPO_ROOT, '.tmp'), { recursive: true });
  dir = mkdtempSync(join(REPO_ROOT, '.tmp', 'codegen-'));
  mkdirSync(join(dir, 'generated'));
  execFileSync(process.execPath, [join(__dirname, 'run-codegen.js')], {
    input: JSON.stringify({ schema: join(DOCS, config.schema), documents: join(DOCS, config.documents), plugins: target.plugins, config: target.config, outFile: join(dir, output) }),
  });
  copyFileSync(join(DOCS, 'client.ts'), join(dir, 'client.ts'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OPTIONS: ts.CompilerOptions = { strict: true, noUnusedLocals: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, lib: ['lib.es2022.d.ts'], types: ['node'], skipLibCheck: true, esModuleInterop: true };

function compile(files: string[], outDir?: string): string[] {
  const program = ts.createProgram(files, { ...OPTIONS, noEmit: !outDir, outDir });
  const emitted = outDir ? program.emit() : null;
  return [...ts.getPreEmitDiagnostics(program), ...(emitted?.diagnostics ?? [])].map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

it('generates a typed document per operation', () => {
  const generated = readFileSync(join(dir, output), 'utf8');
  for (const op of ['Quote', 'PlaceOrder', 'OrderState', 'Certificate', 'Usage', 'DownloadLink']) expect(generated).toContain(`export const ${op}Document`);
  expect(generated).toContain("export type OrderStatus =");
});

it('compiles the client under strict settings, and refuses a misuse of the generated types', () => {
  expect(compile([join(dir, 'client.ts')])).toEqual([]);
  writeFileSync(
    join(dir, 'misuse.ts'),
    `import type { UsageQuery } from './generated/synthbus';
export const wrongType: string = ({} as UsageQuery).usage.imagesAvailable;
export const notSelected = ({} as UsageQuery).usage.partnerId;
`,
  );
  const errors = compile([join(dir, 'misuse.ts')]);
  expect(errors).toEqual([expect.stringContaining("Type 'number' is not assignable to type 'string'"), expect.stringContaining("Property 'partnerId' does not exist")]);
});

/** What the test uses of the compiled client.ts (its own types come from the generated file). */
interface CompiledClient {
  SynthBus: new (url: string, apiKey: string) => { request(document: object, variables: object): Promise<Record<string, any>> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- results read as the API returns them
  SynthBusError: new (...args: never[]) => Error;
}

describe('the compiled client against a real server', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
    await registerModels(stack.api.deps.ds, [CATALOG_MODEL]);
  });
  afterAll(() => stack?.close());

  it('quotes, reads usage and places an order, with the API\'s errors as SynthBusError', async () => {
    expect(compile([join(dir, 'client.ts')], join(dir, 'out'))).toEqual([]);
    const { SynthBus, SynthBusError } = require(join(dir, 'out', 'client.js')) as CompiledClient;
    const generated = require(join(dir, 'out', 'generated', 'synthbus.js')) as Record<string, object>;
    const partner = await createApprovedPartner(stack, 'Codegen Clinic');
    const client = new SynthBus(stack.url, partner.key);
    const input = { modelId: CATALOG_MODEL.modelId, size: 10, mix: [{ birads: CATALOG_MODEL.classes[0].birads, fraction: 1 }] };
    const { quote } = await client.request(generated.QuoteDocument, { input });
    expect(quote.counts).toEqual([{ birads: CATALOG_MODEL.classes[0].birads, count: 10 }]);
    const { placeOrder } = await client.request(generated.PlaceOrderDocument, { input, idempotencyKey: 'codegen-1' });
    expect(placeOrder.status).toBe('QUEUED');
    const { usage } = await client.request(generated.UsageDocument, {});
    expect(usage.imagesCounted).toBe(10);
    const { order } = await gqlOk(stack.url, 'query($id: ID!) { order(id: $id) { id } }', { id: placeOrder.id }, partner.key);
    expect(order.id).toBe(placeOrder.id);
    const refused = client.request(generated.QuoteDocument, { input: { ...input, size: 0 } });
    await expect(refused).rejects.toBeInstanceOf(SynthBusError);
    await expect(refused).rejects.toMatchObject({ code: 'BAD_USER_INPUT', reason: 'SIZE_TOO_SMALL' });
  });
});
