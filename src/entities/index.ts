import { AgreementAcceptanceEntity, AgreementEntity } from './agreement';
import { ApiKeyEntity } from './api-key';
import { AuditEntryEntity } from './audit-entry';
import { ModelEntity } from './model';
import { MemberEntity } from './member';
import { CertificateEntity, OrderEntity, OrderImageEntity } from './order';
import { PartnerEntity } from './partner';

export const entities = [
  PartnerEntity,
  AgreementEntity,
  AgreementAcceptanceEntity,
  MemberEntity,
  ApiKeyEntity,
  ModelEntity,
  OrderEntity,
  OrderImageEntity,
  CertificateEntity,
  AuditEntryEntity,
];
