// The principal cache's rules (issue 15): nothing is kept while the access channel is not heard,
// a look-up that began before a change is not kept, each change forgets what it concerns, entries
// expire.
import { PrincipalCache } from '../../src/server/principal-cache';
import type { Principal } from '../../src/services/principal';

function partnerKey(keyId: string, memberId: string, partnerId: string): Principal {
  return { role: 'PARTNER', keyId, partnerId, member: { id: memberId, name: 'M', role: 'ADMIN' }, scopes: [], partnerStatus: 'APPROVED' } as Principal;
}

const a = partnerKey('key-a', 'member-1', 'partner-1');
const b = partnerKey('key-b', 'member-2', 'partner-1');
const c = partnerKey('key-c', 'member-3', 'partner-2');

function listening(): PrincipalCache {
  const cache = new PrincipalCache();
  cache.setListening(true);
  for (const [hash, p] of [['ha', a], ['hb', b], ['hc', c]] as const) cache.set(hash, p, cache.begin());
  return cache;
}

test('keeps nothing while the access channel is not heard, and forgets everything when it is lost', () => {
  const cache = new PrincipalCache();
  cache.set('ha', a, cache.begin());
  expect(cache.get('ha')).toBeUndefined();
  const heard = listening();
  expect(heard.get('ha')).toBe(a);
  heard.setListening(false);
  expect(heard.get('ha')).toBeUndefined();
  heard.set('ha', a, heard.begin());
  expect(heard.get('ha')).toBeUndefined();
});

test('a look-up that began before a change is not kept', () => {
  const cache = listening();
  const generation = cache.begin();
  cache.evict({ keyId: 'some-other-key' });
  cache.set('hz', a, generation);
  expect(cache.get('hz')).toBeUndefined();
});

test('each change forgets exactly the principals it concerns', () => {
  let cache = listening();
  cache.evict({ keyId: 'key-a' });
  expect([cache.get('ha'), cache.get('hb'), cache.get('hc')]).toEqual([undefined, b, c]);
  cache = listening();
  cache.evict({ memberId: 'member-2' });
  expect([cache.get('ha'), cache.get('hb'), cache.get('hc')]).toEqual([a, undefined, c]);
  cache = listening();
  cache.evict({ partnerId: 'partner-1' });
  expect([cache.get('ha'), cache.get('hb'), cache.get('hc')]).toEqual([undefined, undefined, c]);
});

test('an entry expires after 10 s', () => {
  const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
  try {
    const cache = listening();
    now.mockReturnValue(1_009_999);
    expect(cache.get('ha')).toBe(a);
    now.mockReturnValue(1_010_000);
    expect(cache.get('ha')).toBeUndefined();
  } finally {
    now.mockRestore();
  }
});
