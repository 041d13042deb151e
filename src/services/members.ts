// The members of a partner organisation and their roles. Every partner key belongs to a member
// and holds at most the scopes of the member's role (domain/partner.ts ROLE_SCOPES), read on
// every request: a role change applies to the member's keys at their next call. Removing a member
// revokes their keys. An organisation always keeps one ADMIN member.
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { MemberRole, ROLE_SCOPES, Scope } from '../domain/partner';
import { isUuid } from '../domain/uuid';
import { ApiKeyEntity } from '../entities/api-key';
import { MemberEntity } from '../entities/member';
import { IssuedKey, issueKey } from './api-keys';
import { AppError, badInput, notFound } from './errors';
import { emailAddress, requiredText } from './input-text';
import { PartnerPrincipal, Principal, announceAccessChange, announceRevocation } from './principal';

export interface NewMember {
  name: string;
  email?: string | null;
  role: MemberRole;
}

/** The organisation's first member, its applicant: an ADMIN, who owns the application key. */
export async function addInitialAdmin(m: EntityManager, partnerId: string, contact: { name: string; email: string }): Promise<MemberEntity> {
  return insertMember(m, partnerId, { name: contact.name, email: contact.email, role: 'ADMIN' });
}

async function insertMember(m: EntityManager, partnerId: string, n: NewMember): Promise<MemberEntity> {
  const member = m.getRepository(MemberEntity).create({
    partnerId,
    name: requiredText('input.name', 'name', n.name, 200),
    email: n.email == null ? null : emailAddress('input.email', 'email', n.email),
    role: n.role,
    createdAt: new Date(),
    removedAt: null,
  });
  await m.getRepository(MemberEntity).insert(member);
  return member;
}

/** The partner's members, oldest first; removed ones only when asked for. */
export function listMembers(ds: DataSource, partnerId: string, includeRemoved: boolean): Promise<MemberEntity[]> {
  return ds.getRepository(MemberEntity).find({ where: { partnerId, ...(includeRemoved ? {} : { removedAt: IsNull() }) }, order: { createdAt: 'ASC', id: 'ASC' } });
}

export function addMember(ds: DataSource, who: PartnerPrincipal, n: NewMember): Promise<MemberEntity> {
  return insertMember(ds.manager, who.partnerId, n);
}

/**
 * The partner's current members, locked until the transaction ends: membership changes of one
 * organisation happen one at a time, so two admins demoting each other cannot leave none.
 */
async function lockMembers(m: EntityManager, partnerId: string): Promise<MemberEntity[]> {
  return m.getRepository(MemberEntity).find({ where: { partnerId, removedAt: IsNull() }, order: { id: 'ASC' }, lock: { mode: 'pessimistic_write' } });
}

/** One of the partner's current members; NOT_FOUND for anyone else's, or a removed one. */
function currentMember(members: MemberEntity[], id: string): MemberEntity {
  const found = isUuid(id) ? members.find((x) => x.id === id) : undefined;
  if (!found) throw notFound('member', id);
  return found;
}

function refuseLastAdmin(members: MemberEntity[], target: MemberEntity, what: string): void {
  if (target.role === 'ADMIN' && members.filter((x) => x.role === 'ADMIN').length === 1) {
    throw new AppError('CONFLICT', 'LAST_ADMIN', `${target.name} is the organisation's only ADMIN member and cannot be ${what}: make another member ADMIN first.`);
  }
}

/**
 * Changes a member's role; their keys hold the new role's scopes from their next request on, and an
 * open WebSocket from its next operation (each is authenticated again: the change is announced so
 * that no API process answers from a principal it cached). Running subscriptions go on: every role
 * may read orders, all that a subscription does.
 */
export function changeMemberRole(ds: DataSource, who: PartnerPrincipal, id: string, role: MemberRole): Promise<MemberEntity> {
  return ds.transaction(async (m) => {
    const members = await lockMembers(m, who.partnerId);
    const target = currentMember(members, id);
    if (role !== 'ADMIN') refuseLastAdmin(members, target, 'demoted');
    target.role = role;
    await m.getRepository(MemberEntity).update({ id: target.id }, { role });
    await announceAccessChange(m, { memberId: target.id });
    return target;
  });
}

/**
 * Removes a member and revokes their keys in one transaction; their open WebSockets close once it
 * commits. Removing a removed member is harmless.
 */
export function removeMember(ds: DataSource, who: PartnerPrincipal, id: string): Promise<MemberEntity> {
  return ds.transaction(async (m) => {
    const members = await lockMembers(m, who.partnerId);
    const removed = isUuid(id) && !members.some((x) => x.id === id) ? await m.getRepository(MemberEntity).findOneBy({ id, partnerId: who.partnerId }) : null;
    if (removed) return removed;
    const target = currentMember(members, id);
    refuseLastAdmin(members, target, 'removed');
    target.removedAt = new Date();
    await m.getRepository(MemberEntity).update({ id: target.id }, { removedAt: target.removedAt });
    const keys = await m.getRepository(ApiKeyEntity).findBy({ memberId: target.id, revokedAt: IsNull() });
    for (const key of keys) {
      await m.getRepository(ApiKeyEntity).update({ id: key.id }, { revokedAt: target.removedAt });
      await announceRevocation(m, { keyId: key.id });
    }
    return target;
  });
}

/** Refuses scopes beyond the member's role, naming the first such scope and the role. */
function checkScopesForRole(member: MemberEntity, scopes: Scope[]): void {
  const allowed = ROLE_SCOPES[member.role];
  const i = scopes.findIndex((s) => !allowed.includes(s));
  if (i >= 0) {
    throw badInput(`scopes[${i}]`, 'SCOPE_BEYOND_ROLE', `${member.name} is a ${member.role} member, whose keys may hold ${allowed.join(', ')}; not "${scopes[i]}".`);
  }
}

/**
 * Issues a key: partners for one of their current members (the caller's own member when `memberId`
 * is omitted), with scopes the member's role allows; admins an admin key (no member).
 */
export async function issueKeyFor(ds: DataSource, who: Principal, memberId: string | null, key: { name: string; scopes: Scope[] }): Promise<IssuedKey> {
  if (who.role === 'ADMIN' || who.partnerId === null) {
    if (memberId !== null) throw badInput('memberId', 'ADMIN_KEY_HAS_NO_MEMBER', 'Admin keys belong to no member: omit memberId.');
    return issueKey(ds, { partnerId: null, ...key });
  }
  const partnerId = who.partnerId;
  const own = who.member?.id;
  return ds.transaction(async (m) => {
    const member = currentMember(await lockMembers(m, partnerId), memberId ?? own ?? '');
    checkScopesForRole(member, key.scopes);
    return issueKey(m, { partnerId, memberId: member.id, ...key });
  });
}
