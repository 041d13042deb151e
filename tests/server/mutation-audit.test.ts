// Every mutation is audited with its outcome, including those @Authorized refuses before they run.
import { TestStack, createApprovedPartner, gql, gqlOk, startTestStack } from '../helpers/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

async function audited(action: string) {
  const { auditLog } = await gqlOk(stack.url, 'query($f: AuditFilterInput) { auditLog(filter: $f, first: 100) { edges { node { actor outcome targetId detail } } } }', { f: { action } }, stack.adminKey);
  return auditLog.edges.map((e: { node: unknown }) => e.node);
}

test('a mutation refused by authorization is audited as denied, with the reason', async () => {
  const partner = await createApprovedPartner(stack);
  const r = await gql(stack.url, 'mutation($id: ID!) { suspendPartner(id: $id, reason: "mine") { id } }', { id: partner.partnerId }, partner.key);
  expect(r.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'ADMIN_ONLY' });
  expect(await audited('mutation.suspendPartner')).toEqual([
    { actor: `partner:${partner.partnerId}`, outcome: 'denied', targetId: partner.partnerId, detail: { args: { id: partner.partnerId, reason: 'mine' }, code: 'FORBIDDEN', reason: 'ADMIN_ONLY' } },
  ]);
});

test('an anonymous mutation that needs a key is audited as denied', async () => {
  const r = await gql(stack.url, 'mutation { acceptAgreement(version: 1) { agreementVersion } }');
  expect(r.errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'NO_API_KEY' });
  expect(await audited('mutation.acceptAgreement')).toContainEqual(expect.objectContaining({ actor: 'anonymous', outcome: 'denied', detail: expect.objectContaining({ reason: 'NO_API_KEY' }) }));
});
