// Partner accounts: apply, and the admin's approve / suspend / reinstate, plus quotas.
import { DataSource } from 'typeorm';
import type { PartnerStatus } from '../domain/partner';
import { PartnerEntity } from '../entities/partner';
import { IssuedKey, issueKey } from './api-keys';
import { AppError, badInput, notFound } from './errors';
import { emailAddress, requiredText } from './input-text';
import { addInitialAdmin } from './members';
import { announceAccessChange, announceRevocation } from './principal';

/** What an applicant tells us (the ApplyInput of the API). */
export interface PartnerApplication {
  name: string;
  institution: string;
  contactEmail: string;
  purpose: string;
}

function text(field: string, value: string, max: number): string {
  return requiredText(`input.${field}`, field, value, max);
}

/**
 * Creates a pending partner, its first member (the applicant, an ADMIN) and their first key, scoped
 * to "account": enough to follow the application, accept the agreement and issue working keys once
 * approved.
 */
export async function apply(ds: DataSource, a: PartnerApplication): Promise<{ partner: PartnerEntity; key: IssuedKey }> {
  const contactEmail = emailAddress('input.contactEmail', 'contactEmail', a.contactEmail);
  const partner = ds.getRepository(PartnerEntity).create({
    name: text('name', a.name, 200),
    institution: text('institution', a.institution, 200),
    contactEmail,
    purpose: text('purpose', a.purpose, 4000),
    status: 'PENDING',
    statusReason: null,
    quotaImagesPerOrder: null,
    quotaImagesPer30Days: null,
    quotaConcurrentOrders: null,
    statusChangedAt: new Date(),
  });
  return ds.transaction(async (m) => {
    await m.getRepository(PartnerEntity).save(partner);
    const applicant = await addInitialAdmin(m, partner.id, { name: partner.name, email: contactEmail });
    const key = await issueKey(m, { partnerId: partner.id, memberId: applicant.id, name: 'application key', scopes: ['account'] });
    return { partner, key };
  });
}

export async function getPartner(ds: DataSource, id: string): Promise<PartnerEntity> {
  const p = await ds.getRepository(PartnerEntity).findOneBy({ id });
  if (!p) throw notFound('partner', id);
  return p;
}

export function listPartners(ds: DataSource, status?: PartnerStatus): Promise<PartnerEntity[]> {
  return ds.getRepository(PartnerEntity).find({ where: status ? { status } : {}, order: { createdAt: 'ASC' } });
}

const TRANSITIONS: Record<'approve' | 'suspend' | 'reinstate' | 'reject', { from: PartnerStatus[]; to: PartnerStatus }> = {
  approve: { from: ['PENDING'], to: 'APPROVED' },
  reject: { from: ['PENDING'], to: 'REJECTED' },
  suspend: { from: ['APPROVED'], to: 'SUSPENDED' },
  reinstate: { from: ['SUSPENDED'], to: 'APPROVED' },
};

/** Moves a partner along its lifecycle; a transition from the wrong state is a CONFLICT. */
export async function changeStatus(ds: DataSource, id: string, action: keyof typeof TRANSITIONS, reason: string | null): Promise<PartnerEntity> {
  const { from, to } = TRANSITIONS[action];
  return ds.transaction(async (m) => {
    const p = await m.getRepository(PartnerEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!p) throw notFound('partner', id);
    if (!from.includes(p.status)) {
      throw new AppError('CONFLICT', 'PARTNER_STATE', `Cannot ${action} a partner that is ${p.status.toLowerCase()} (expected ${from.join(' or ').toLowerCase()}).`);
    }
    p.status = to;
    p.statusReason = reason;
    p.statusChangedAt = new Date();
    await m.getRepository(PartnerEntity).save(p);
    if (to !== 'APPROVED') await announceRevocation(m, { partnerId: p.id, status: to });
    else await announceAccessChange(m, { partnerId: p.id });
    return p;
  });
}

export interface QuotaChange {
  imagesPerOrder?: number | null;
  imagesPer30Days?: number | null;
  concurrentOrders?: number | null;
}

export async function setQuotas(ds: DataSource, id: string, q: QuotaChange): Promise<PartnerEntity> {
  for (const [field, v] of Object.entries(q)) {
    if (v !== undefined && v !== null && (!Number.isInteger(v) || v < 1)) {
      throw badInput(`quotas.${field}`, 'QUOTA_INVALID', `${field} must be a positive integer, or null for the default.`);
    }
  }
  const p = await getPartner(ds, id);
  if (q.imagesPerOrder !== undefined) p.quotaImagesPerOrder = q.imagesPerOrder;
  if (q.imagesPer30Days !== undefined) p.quotaImagesPer30Days = q.imagesPer30Days;
  if (q.concurrentOrders !== undefined) p.quotaConcurrentOrders = q.concurrentOrders;
  return ds.getRepository(PartnerEntity).save(p);
}
