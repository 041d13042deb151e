// The data-use agreement: versioned text; a partner must accept the current version to order.
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AgreementAcceptanceEntity, AgreementEntity } from '../entities/agreement';
import { AppError, badInput, forbidden } from './errors';

const AGREEMENT_LOCK = 0x5b05a0d2;

export async function currentAgreement(m: DataSource | EntityManager): Promise<AgreementEntity> {
  const [a] = await m.getRepository(AgreementEntity).find({ order: { version: 'DESC' }, take: 1 });
  if (!a) throw new Error('no data-use agreement is published: migrations seed version 1');
  return a;
}

/** Publishes a new version; every partner must accept it before the next order. */
export async function publishAgreement(ds: DataSource, text: string): Promise<AgreementEntity> {
  const body = text.trim();
  if (body.length < 20) throw badInput('text', 'AGREEMENT_TOO_SHORT', 'An agreement text must be at least 20 characters.');
  return ds.transaction(async (m) => {
    // Two admins publishing at once get consecutive versions, not a key collision.
    await m.query('SELECT pg_advisory_xact_lock($1)', [AGREEMENT_LOCK]);
    const cur = await currentAgreement(m);
    const next = m.getRepository(AgreementEntity).create({ version: cur.version + 1, text: body, publishedAt: new Date() });
    await m.getRepository(AgreementEntity).insert(next);
    return next;
  });
}

export async function acceptAgreement(ds: DataSource, partnerId: string, keyId: string, version: number): Promise<AgreementAcceptanceEntity> {
  const cur = await currentAgreement(ds);
  if (version !== cur.version) {
    throw badInput('version', 'AGREEMENT_VERSION_NOT_CURRENT', `Version ${version} is not the current agreement; read and accept version ${cur.version}.`);
  }
  const repo = ds.getRepository(AgreementAcceptanceEntity);
  const existing = await repo.findOneBy({ partnerId, agreementVersion: version });
  if (existing) return existing;
  const row = repo.create({ id: randomUUID(), partnerId, agreementVersion: version, apiKeyId: keyId, acceptedAt: new Date() });
  await repo.insert(row);
  return row;
}

export async function latestAcceptance(m: DataSource | EntityManager, partnerId: string): Promise<AgreementAcceptanceEntity | null> {
  const [a] = await m.getRepository(AgreementAcceptanceEntity).find({ where: { partnerId }, order: { agreementVersion: 'DESC' }, take: 1 });
  return a ?? null;
}

/** Throws FORBIDDEN unless the partner has accepted the current version. */
export async function requireCurrentAcceptance(m: DataSource | EntityManager, partnerId: string): Promise<void> {
  const [cur, acc] = await Promise.all([currentAgreement(m), latestAcceptance(m, partnerId)]);
  if (!acc) throw forbidden('AGREEMENT_NOT_ACCEPTED', `Accept the data-use agreement (version ${cur.version}) before ordering.`);
  if (acc.agreementVersion < cur.version) {
    throw new AppError(
      'FORBIDDEN',
      'AGREEMENT_OUTDATED',
      `You accepted version ${acc.agreementVersion} of the data-use agreement; version ${cur.version} is current and must be accepted before ordering.`,
    );
  }
}
