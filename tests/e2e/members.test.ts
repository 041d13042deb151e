/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// Issue 12, "an organisation has one login": named members with roles, each key limited to its
// member's role, role changes and removals effective at the next request (and on open sockets),
// the last ADMIN protected, every action audited by member, and none of it visible to another
// partner. Over real HTTP and WebSocket, with a real worker for the download.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { WorkerHandle, startWorker } from '../../src/worker/worker';
import { runCli } from '../cli/cli-helpers';
import { authorized, downloadLink, firstModel } from '../delivery/cohort-helpers';
import { execute, follow, openSocket } from '../helpers/socket';
import { TestPartner, TestStack, collectProgress, createApprovedPartner, gql, gqlOk, startTestStack } from '../helpers/stack';

let stack: TestStack;
let org: TestPartner;
let other: TestPartner;
let worker: WorkerHandle | undefined;
let orderInput: Record<string, unknown>;

interface MemberKey {
  id: string;
  key: string;
  keyId: string;
}
let adminMemberId: string;
let viewer: MemberKey;
let orderer: MemberKey;
const orderIds: string[] = [];

beforeAll(async () => {
  // The engine and its models, but no worker until the download test: orders wait QUEUED.
  stack = await startTestStack({ models: true });
  org = await createApprovedPartner(stack, 'Members Hospital');
  other = await createApprovedPartner(stack, 'Other Hospital');
  const { modelId, birads } = await firstModel(stack, org.key);
  orderInput = { modelId, size: 1, seed: 5, mix: [{ birads: birads[0], count: 1 }] };
});
afterAll(async () => {
  await worker?.close();
  await stack.close();
});

const MEMBER = 'id name email role createdAt removedAt';
const PLACE = `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`;

async function addMember(name: string, role: string, email: string | null = null): Promise<string> {
  const r = await gqlOk(stack.url, `mutation($i: AddMemberInput!) { addMember(input: $i) { ${MEMBER} } }`, { i: { name, email, role } }, org.key);
  expect(r.addMember).toMatchObject({ name, email, role, removedAt: null });
  return r.addMember.id;
}

async function issueFor(memberId: string, scopes: string[]): Promise<{ key: string; keyId: string }> {
  const r = await gqlOk(stack.url, `mutation($m: ID, $s: [Scope!]!) { issueApiKey(name: "laptop", scopes: $s, memberId: $m) { secret key { id memberId scopes } } }`, { m: memberId, s: scopes }, org.key);
  expect(r.issueApiKey.key.memberId).toBe(memberId);
  return { key: r.issueApiKey.secret, keyId: r.issueApiKey.key.id };
}

function errorOf(r: { errors?: { message: string; extensions?: Record<string, unknown> }[] }) {
  expect(r.errors).toHaveLength(1);
  return { ...(r.errors as { extensions?: Record<string, unknown> }[])[0].extensions, message: (r.errors as { message: string }[])[0].message };
}

test('the applicant is the first member, an ADMIN; an admin adds a viewer and an orderer and issues their keys within their roles', async () => {
  const { members } = await gqlOk(stack.url, `{ members { ${MEMBER} } }`, {}, org.key);
  expect(members).toEqual([expect.objectContaining({ name: 'Members Hospital', email: 'research@example.org', role: 'ADMIN', removedAt: null })]);
  adminMemberId = members[0].id;

  const viewerId = await addMember('Vera Viewer', 'VIEWER', 'vera@example.org');
  const ordererId = await addMember('Otto Orderer', 'ORDERER');

  const beyond = await gql(stack.url, `mutation($m: ID) { issueApiKey(name: "too much", scopes: [ORDERS_READ, ORDERS_WRITE], memberId: $m) { secret } }`, { m: viewerId }, org.key);
  expect(errorOf(beyond)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'SCOPE_BEYOND_ROLE', field: 'scopes[1]' });
  expect(errorOf(beyond).message).toBe('Vera Viewer is a VIEWER member, whose keys may hold orders:read, downloads; not "orders:write".');
  const badEmail = await gql(stack.url, `mutation { addMember(input: { name: "X", email: "not-an-address", role: VIEWER }) { id } }`, {}, org.key);
  expect(errorOf(badEmail)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'EMAIL_INVALID', field: 'input.email' });

  viewer = { id: viewerId, ...(await issueFor(viewerId, ['ORDERS_READ', 'DOWNLOADS'])) };
  orderer = { id: ordererId, ...(await issueFor(ordererId, ['ORDERS_READ', 'ORDERS_WRITE', 'DOWNLOADS'])) };

  const { apiKeys } = await gqlOk(stack.url, '{ apiKeys { id memberId } }', {}, org.key);
  expect(apiKeys).toEqual(
    expect.arrayContaining([
      { id: org.keyId, memberId: adminMemberId },
      { id: viewer.keyId, memberId: viewerId },
      { id: orderer.keyId, memberId: ordererId },
    ]),
  );
});

test('a viewer reads orders but placing one is FORBIDDEN naming the role; the orderer places one but cannot manage members or keys', async () => {
  const placed = await gqlOk(stack.url, PLACE, { i: orderInput }, orderer.key);
  orderIds.push(placed.placeOrder.id);

  const refused = errorOf(await gql(stack.url, PLACE, { i: orderInput }, viewer.key));
  expect(refused).toMatchObject({ code: 'FORBIDDEN', reason: 'ROLE_FORBIDS' });
  expect(refused.message).toBe('Your role VIEWER does not allow "orders:write" (it allows orders:read, downloads); an ADMIN member of your organisation can change your role.');
  const read = await gqlOk(stack.url, `query($id: ID!) { order(id: $id) { id status } }`, { id: orderIds[0] }, viewer.key);
  expect(read.order).toEqual({ id: orderIds[0], status: 'QUEUED' });

  const noMembers = errorOf(await gql(stack.url, `mutation { addMember(input: { name: "Mallory", role: ADMIN }) { id } }`, {}, orderer.key));
  expect(noMembers).toMatchObject({ code: 'FORBIDDEN', reason: 'ROLE_FORBIDS' });
  expect(noMembers.message).toMatch(/^Your role ORDERER does not allow "account"/);
  expect(errorOf(await gql(stack.url, `{ members { id } }`, {}, orderer.key))).toMatchObject({ code: 'FORBIDDEN', reason: 'ROLE_FORBIDS' });
  expect(errorOf(await gql(stack.url, `mutation($m: ID!) { changeMemberRole(id: $m, role: ADMIN) { id } }`, { m: orderer.id }, orderer.key))).toMatchObject({ code: 'FORBIDDEN', reason: 'ROLE_FORBIDS' });
  expect(errorOf(await gql(stack.url, `mutation { issueApiKey(name: "x", scopes: [ORDERS_READ]) { secret } }`, {}, orderer.key))).toMatchObject({ code: 'FORBIDDEN', reason: 'ROLE_FORBIDS' });
});

test("demoting the orderer applies at its next request, over HTTP and its open WebSocket; its running subscription goes on, since viewers follow orders too", async () => {
  const socket = openSocket(stack.wsUrl, orderer.key);
  const progress = follow(socket, orderIds[0]);
  await progress.snapshot;

  const demoted = await gqlOk(stack.url, `mutation($m: ID!) { changeMemberRole(id: $m, role: VIEWER) { role } }`, { m: orderer.id }, org.key);
  expect(demoted.changeMemberRole.role).toBe('VIEWER');

  expect(errorOf(await gql(stack.url, PLACE, { i: orderInput }, orderer.key))).toMatchObject({ code: 'FORBIDDEN', reason: 'ROLE_FORBIDS', message: expect.stringMatching(/^Your role VIEWER /) });
  expect(errorOf(await execute(socket, PLACE, { i: orderInput }))).toMatchObject({ code: 'FORBIDDEN', reason: 'ROLE_FORBIDS' });
  expect(errorOf(await execute(socket, `mutation($id: ID!) { cancelOrder(id: $id) { id } }`, { id: orderIds[0] }))).toMatchObject({ code: 'FORBIDDEN', reason: 'ROLE_FORBIDS' });
  expect((await execute(socket, `query($id: ID!) { order(id: $id) { status } }`, { id: orderIds[0] })).data).toEqual({ order: { status: 'QUEUED' } });

  // The subscription survived the demotion: it hears the admin's cancellation, then completes.
  await gqlOk(stack.url, `mutation($id: ID!) { cancelOrder(id: $id) { status } }`, { id: orderIds[0] }, org.key);
  expect((await progress.ended).error).toBeUndefined();
  expect(progress.events).toEqual(['SNAPSHOT', 'CANCELLED']);
  await socket.client.dispose();

  // Promoted again, the key's own orders:write scope works again.
  await gqlOk(stack.url, `mutation($m: ID!) { changeMemberRole(id: $m, role: ORDERER) { role } }`, { m: orderer.id }, org.key);
  orderIds.push((await gqlOk(stack.url, PLACE, { i: orderInput }, orderer.key)).placeOrder.id);
});

test('the last ADMIN can be neither demoted nor removed', async () => {
  for (const [query, vars] of [
    [`mutation($m: ID!) { changeMemberRole(id: $m, role: ORDERER) { id } }`, { m: adminMemberId }],
    [`mutation($m: ID!) { removeMember(id: $m) { id } }`, { m: adminMemberId }],
  ] as const) {
    const e = errorOf(await gql(stack.url, query, vars, org.key));
    expect(e).toMatchObject({ code: 'CONFLICT', reason: 'LAST_ADMIN' });
    expect(e.message).toBe("Members Hospital is the organisation's only ADMIN member and cannot be " + (query.includes('remove') ? 'removed' : 'demoted') + ': make another member ADMIN first.');
  }
  // With a second ADMIN either may go; once it has gone, the first is the last again.
  const second = await addMember('Second Admin', 'ADMIN');
  await gqlOk(stack.url, `mutation($m: ID!) { changeMemberRole(id: $m, role: ORDERER) { id } }`, { m: second }, org.key);
  await gqlOk(stack.url, `mutation($m: ID!) { changeMemberRole(id: $m, role: ADMIN) { id } }`, { m: second }, org.key);
  await gqlOk(stack.url, `mutation($m: ID!) { removeMember(id: $m) { removedAt } }`, { m: second }, org.key);
  expect(errorOf(await gql(stack.url, `mutation($m: ID!) { removeMember(id: $m) { id } }`, { m: adminMemberId }, org.key))).toMatchObject({ reason: 'LAST_ADMIN' });
  const { members } = await gqlOk(stack.url, `{ members { role } }`, {}, org.key);
  expect(members.map((m: { role: string }) => m.role).sort()).toEqual(['ADMIN', 'ORDERER', 'VIEWER']);
});

test("a viewer follows an order to the end and downloads the cohort, with the API and with the CLI (whose order is refused naming the role)", async () => {
  worker = await startWorker(stack.config, stack.databaseUrl, () => undefined, stack.engine);
  const events = await collectProgress(stack.wsUrl, viewer.key, orderIds[1]);
  expect(events[events.length - 1].status).toBe('COMPLETED');
  const res = await fetch(await downloadLink(stack, viewer.key, orderIds[1], 'ZIP'), authorized(viewer.key));
  expect(res.status).toBe(200);
  expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);

  // The CLI with the viewer's key: pull works; order is refused, naming the role.
  const env = { SYNTHBUS_URL: stack.url, SYNTHBUS_API_KEY: viewer.key };
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'members-pull-'));
  try {
    const pulled = await runCli(['pull', orderIds[1], '--out', out], env);
    expect(pulled).toMatchObject({ code: 0 });
    expect(fs.existsSync(path.join(out, 'certificate.json'))).toBe(true);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
  const birads = (orderInput.mix as { birads: number }[])[0].birads;
  const ordered = await runCli(['order', '--mix', `${birads}=1`, '--size', '1'], env);
  expect(ordered.code).toBe(1);
  expect(ordered.stderr).toContain('Your role VIEWER does not allow "orders:write"');
});

test("removing a member revokes their keys: the next HTTP request is 401 and their open WebSocket closes", async () => {
  const socket = openSocket(stack.wsUrl, viewer.key);
  expect((await execute(socket, '{ orders { totalCount } }')).data).toBeTruthy();

  const removed = await gqlOk(stack.url, `mutation($m: ID!) { removeMember(id: $m) { removedAt } }`, { m: viewer.id }, org.key);
  expect(removed.removeMember.removedAt).not.toBeNull();
  expect((await socket.closed).code).toBe(4403);
  const next = await gql(stack.url, '{ orders { totalCount } }', {}, viewer.key);
  expect(next.status).toBe(401);
  expect(errorOf(next)).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'REVOKED_API_KEY' });

  const again = await gqlOk(stack.url, `mutation($m: ID!) { removeMember(id: $m) { removedAt } }`, { m: viewer.id }, org.key);
  expect(again.removeMember.removedAt).toBe(removed.removeMember.removedAt);
  expect(errorOf(await gql(stack.url, `mutation($m: ID) { issueApiKey(name: "back door", scopes: [ORDERS_READ], memberId: $m) { secret } }`, { m: viewer.id }, org.key))).toMatchObject({ code: 'NOT_FOUND' });
  const current = await gqlOk(stack.url, `{ members { id } }`, {}, org.key);
  expect(current.members.map((m: { id: string }) => m.id)).not.toContain(viewer.id);
  const all = await gqlOk(stack.url, `{ members(includeRemoved: true) { id removedAt } }`, {}, org.key);
  expect(all.members).toContainEqual({ id: viewer.id, removedAt: removed.removeMember.removedAt });
  // A null variable means the default (the fuzz found it refused, uncoded, when the argument was non-null).
  const byNull = await gqlOk(stack.url, `query($v: Boolean) { members(includeRemoved: $v) { id } }`, { v: null }, org.key);
  expect(byNull.members).toEqual(current.members);
});

test('the audit log names the member behind each action', async () => {
  const log = async (filter: Record<string, unknown>) =>
    (await gqlOk(stack.url, `query($f: AuditFilterInput) { auditLog(filter: $f, first: 100) { edges { node { actor memberId memberName action outcome detail } } } }`, { f: filter }, stack.adminKey)).auditLog.edges.map(
      (e: { node: Record<string, unknown> }) => e.node,
    );
  const byOrderer = await log({ memberId: orderer.id });
  expect(byOrderer.every((e: Record<string, unknown>) => e.memberName === 'Otto Orderer' && e.actor === `partner:${org.partnerId}`)).toBe(true);
  expect(byOrderer).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ action: 'mutation.placeOrder', outcome: 'ok' }),
      expect.objectContaining({ action: 'mutation.placeOrder', outcome: 'denied', detail: expect.objectContaining({ reason: 'ROLE_FORBIDS' }) }),
      expect.objectContaining({ action: 'mutation.addMember', outcome: 'denied' }),
    ]),
  );
  const byViewer = await log({ memberId: viewer.id });
  expect(byViewer.every((e: Record<string, unknown>) => e.memberName === 'Vera Viewer')).toBe(true);
  expect(byViewer.map((e: Record<string, unknown>) => e.action)).toEqual(expect.arrayContaining(['mutation.placeOrder', 'mutation.createDownloadLink', 'download.serve']));
  const changes = await log({ action: 'mutation.changeMemberRole', outcome: 'ok' });
  expect(changes.length).toBeGreaterThan(0);
  expect(changes.every((e: Record<string, unknown>) => e.memberId === adminMemberId && e.memberName === 'Members Hospital')).toBe(true);
  // Admin keys act as no member.
  expect((await log({ action: 'mutation.approvePartner' }))[0]).toMatchObject({ actor: 'admin', memberId: null, memberName: null });
  const bad = await gql(stack.url, `{ auditLog(filter: { memberId: "nope" }) { totalCount } }`, {}, stack.adminKey);
  expect(errorOf(bad)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.memberId' });
  // The member is hashed into each entry, and the chain verifies.
  expect((await gqlOk(stack.url, '{ verifyAuditLog { ok reason } }', {}, stack.adminKey)).verifyAuditLog).toEqual({ ok: true, reason: null });
});

test('another partner sees none of it and can change none of it', async () => {
  const { members } = await gqlOk(stack.url, `{ members(includeRemoved: true) { name } }`, {}, other.key);
  expect(members).toEqual([{ name: 'Other Hospital' }]);
  for (const [query, vars] of [
    [`mutation($m: ID!) { changeMemberRole(id: $m, role: VIEWER) { id } }`, { m: orderer.id }],
    [`mutation($m: ID!) { removeMember(id: $m) { id } }`, { m: orderer.id }],
    [`mutation($m: ID) { issueApiKey(name: "theirs", scopes: [ORDERS_READ], memberId: $m) { secret } }`, { m: orderer.id }],
  ] as const) {
    expect(errorOf(await gql(stack.url, query, vars, other.key))).toMatchObject({ code: 'NOT_FOUND', reason: 'MEMBER_NOT_FOUND' });
  }
  expect(errorOf(await gql(stack.url, '{ auditLog { totalCount } }', {}, other.key))).toMatchObject({ code: 'FORBIDDEN', reason: 'ADMIN_ONLY' });
  // Partner.members: the partner's own through `me`, any partner's for admins.
  expect((await gqlOk(stack.url, '{ me { members { name } } }', {}, other.key)).me.members).toEqual([{ name: 'Other Hospital' }]);
  const seenByAdmin = await gqlOk(stack.url, 'query($id: ID!) { partner(id: $id) { members { name role } } }', { id: org.partnerId }, stack.adminKey);
  expect(seenByAdmin.partner.members).toEqual([
    { name: 'Members Hospital', role: 'ADMIN' },
    { name: 'Otto Orderer', role: 'ORDERER' },
  ]);
  // The orderer is untouched by those attempts.
  expect((await gqlOk(stack.url, `{ members { name role } }`, {}, org.key)).members).toContainEqual({ name: 'Otto Orderer', role: 'ORDERER' });
});

test('two ADMINs demoting each other at once leave one ADMIN', async () => {
  const lab = await createApprovedPartner(stack, 'Twin Admins Lab');
  const { members } = await gqlOk(stack.url, '{ members { id } }', {}, lab.key);
  const first = members[0].id as string;
  const added = await gqlOk(stack.url, `mutation { addMember(input: { name: "Second", role: ADMIN }) { id } }`, {}, lab.key);
  const second = added.addMember.id as string;
  const issued = await gqlOk(stack.url, `mutation($m: ID) { issueApiKey(name: "second", scopes: [ACCOUNT], memberId: $m) { secret } }`, { m: second }, lab.key);
  const demote = `mutation($m: ID!) { changeMemberRole(id: $m, role: VIEWER) { id } }`;
  // Both demotions are made to wait on the members' rows until each has started, so that both run
  // at once whatever the scheduling: only the service's own locking can then keep one ADMIN.
  const holder = new PgClient({ connectionString: stack.databaseUrl });
  // Outside the holder's transaction, which would see one frozen snapshot of pg_stat_activity.
  const watcher = new PgClient({ connectionString: stack.databaseUrl });
  await Promise.all([holder.connect(), watcher.connect()]);
  let results: Awaited<ReturnType<typeof gql>>[];
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM members WHERE partner_id = $1 FOR UPDATE', [lab.partnerId]);
    const both = Promise.all([gql(stack.url, demote, { m: second }, lab.key), gql(stack.url, demote, { m: first }, issued.issueApiKey.secret)]);
    const waiting = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%members%'`;
    while ((await watcher.query<{ n: number }>(waiting)).rows[0].n < 2) await new Promise((r) => setTimeout(r, 20));
    await holder.query('COMMIT');
    results = await both;
  } finally {
    await Promise.all([holder.end(), watcher.end()]);
  }
  expect(results.filter((r) => !r.errors).length).toBe(1);
  const refused = results.find((r) => r.errors);
  expect(['LAST_ADMIN', 'ROLE_FORBIDS']).toContain(refused?.errors?.[0].extensions?.reason);
  const after = await gqlOk(stack.url, 'query($id: ID!) { partner(id: $id) { members { role } } }', { id: lab.partnerId }, stack.adminKey);
  expect(after.partner.members.filter((m: { role: string }) => m.role === 'ADMIN')).toHaveLength(1);
});
