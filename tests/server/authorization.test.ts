// Who may use what: the grant rule (services/principal.ts) with the exact errors clients branch on,
// and the schema's operations that are open to anyone.
import { getMetadataStorage } from 'type-graphql';
import { buildAppSchema } from '../../src/server/app';
import { Grant, Principal, authorize } from '../../src/services/principal';

const admin: Principal = { role: 'ADMIN', keyId: 'k-admin', partnerId: null, member: null, scopes: [], partnerStatus: 'APPROVED' };
const partner = (over: Partial<Principal> = {}): Principal => ({
  role: 'PARTNER',
  keyId: 'k-partner',
  partnerId: 'p-1',
  member: { id: 'm-1', name: 'Ada', role: 'ADMIN' },
  scopes: ['account', 'orders:read', 'orders:write', 'downloads'],
  partnerStatus: 'APPROVED',
  ...over,
});

function refusal(p: Principal | null, grants: Grant[]): { code: unknown; reason: unknown; message: string } | null {
  try {
    authorize(p, grants);
    return null;
  } catch (e) {
    const err = e as { extensions: { code: unknown; reason: unknown }; message: string };
    return { code: err.extensions.code, reason: err.extensions.reason, message: err.message };
  }
}

describe('authorize', () => {
  it('asks for a key when there is none', () => {
    expect(refusal(null, ['ADMIN', 'orders:read'])).toEqual({ code: 'UNAUTHENTICATED', reason: 'NO_API_KEY', message: 'Send an API key as "Authorization: Bearer <key>".' });
  });

  it('keeps partners out of admin operations and admins out of partner operations', () => {
    expect(refusal(partner(), ['ADMIN'])).toEqual({ code: 'FORBIDDEN', reason: 'ADMIN_ONLY', message: 'Only an administrator may do this.' });
    expect(refusal(admin, ['orders:write'])).toEqual({ code: 'FORBIDDEN', reason: 'PARTNER_ONLY', message: 'Only a partner key may do this.' });
  });

  it('lets admins in where ADMIN is granted, partners where their scope is', () => {
    expect(refusal(admin, ['ADMIN', 'orders:read'])).toBeNull();
    expect(refusal(partner({ scopes: ['orders:read'] }), ['ADMIN', 'orders:read'])).toBeNull();
  });

  it('names the missing scope', () => {
    expect(refusal(partner({ scopes: ['account'] }), ['ADMIN', 'orders:write'])).toEqual({ code: 'FORBIDDEN', reason: 'MISSING_SCOPE', message: 'This API key lacks the "orders:write" scope.' });
  });

  it("names the member's role when the role, not the key, lacks the scope", () => {
    const viewer = partner({ member: { id: 'm-2', name: 'Vic', role: 'VIEWER' }, scopes: ['orders:read', 'downloads'] });
    expect(refusal(viewer, ['orders:write'])).toEqual({
      code: 'FORBIDDEN',
      reason: 'ROLE_FORBIDS',
      message: 'Your role VIEWER does not allow "orders:write" (it allows orders:read, downloads); an ADMIN member of your organisation can change your role.',
    });
    expect(refusal(viewer, ['account:any-status'])).toMatchObject({ reason: 'ROLE_FORBIDS' });
    expect(refusal(viewer, ['orders:read'])).toBeNull();
  });

  it.each([
    ['PENDING', 'Your partner account is pending; an administrator must approve it first.'],
    ['SUSPENDED', 'Your partner account is suspended; an administrator suspended it (`me { statusReason }` says why) and must reinstate it.'],
    ['REJECTED', 'Your partner account is rejected; its application was declined (`me { statusReason }` says why).'],
  ] as const)('refuses a %s partner, saying what it takes, unless the grant takes any status', (status, message) => {
    expect(refusal(partner({ partnerStatus: status }), ['orders:read'])).toEqual({ code: 'FORBIDDEN', reason: `PARTNER_${status}`, message });
    expect(refusal(partner({ partnerStatus: status, scopes: ['account'] }), ['account:any-status'])).toBeNull();
    expect(refusal(partner({ partnerStatus: status, scopes: ['orders:read'] }), ['account:any-status'])).toMatchObject({ reason: 'MISSING_SCOPE' });
  });
});

test('only the public operations lack @Authorized', async () => {
  await buildAppSchema();
  const m = getMetadataStorage();
  const open = [...m.queries, ...m.mutations, ...m.subscriptions].filter((op) => !op.roles).map((op) => op.schemaName);
  expect(open.sort()).toEqual(['apply', 'certificateKeys', 'currentAgreement', 'model', 'models']);
});
