// The audit chain's hash input: RFC 8785 canonical JSON must hash existing rows exactly as the
// sorted-key JSON they were written with, or every deployed chain would stop verifying.
import { GENESIS_HASH, entryHash, findBreak } from '../../src/audit/chain';

const entry = {
  seq: 42,
  at: new Date('2026-11-26T12:34:56.789Z'),
  actor: 'partner:0b7e6a3c-0000-4000-8000-000000000001',
  keyId: 'k1',
  action: 'order.place',
  targetType: 'order',
  targetId: 'ö-ü',
  outcome: 'ok',
  // Key order, non-ASCII and combining characters, U+2028, astral emoji, escapes, number forms.
  detail: { b: [1, 2.5, -0, 1e21, 1e-7, null, true], a: { é: 1, 'e\u0301': 'x\u2028y', Z: 'emoji 😀', '': 'q"\\' }, n: 123456789012 },
  prevHash: 'ab'.repeat(32),
};

test('an entry hashes to the value the pre-RFC 8785 chain code computed for it', () => {
  // Printed by the chain code of commit 609695b (sorted-key JSON.stringify) for this entry.
  expect(entryHash(entry)).toBe('02b8e62f317406da943e19e9b54a4681a4bea54ac0fe28c5a28203b27d3d0376');
});

test('findBreak names an edited entry and a broken link', () => {
  const first = { ...entry, seq: 1, prevHash: GENESIS_HASH };
  const a = { ...first, hash: entryHash(first) };
  const secondFields = { ...entry, seq: 2, prevHash: a.hash };
  const b = { ...secondFields, hash: entryHash(secondFields) };
  expect(findBreak([a, b], { seq: 0, hash: GENESIS_HASH })).toBeNull();
  expect(findBreak([a, { ...b, outcome: 'denied' }], { seq: 0, hash: GENESIS_HASH })).toEqual({ seq: 2, reason: 'hash does not match the entry contents' });
  expect(findBreak([a, { ...b, prevHash: GENESIS_HASH }], { seq: 0, hash: GENESIS_HASH })).toEqual({ seq: 2, reason: 'prev_hash does not match the previous entry' });
});

test('the acting member is hashed when there is one; an entry without one hashes as before members existed', () => {
  const before = entryHash(entry);
  expect(entryHash({ ...entry, memberId: null, memberName: null })).toBe(before);
  const byMember = { ...entry, memberId: 'm-1', memberName: 'Vera Viewer' };
  expect(entryHash(byMember)).not.toBe(before);
  expect(entryHash({ ...byMember, memberName: 'Someone Else' })).not.toBe(entryHash(byMember));
  expect(entryHash({ ...byMember, memberId: 'm-2' })).not.toBe(entryHash(byMember));
});
