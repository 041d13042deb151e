import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('agreements')
export class AgreementEntity {
  @PrimaryColumn('integer') version: number;
  @Column('text') text: string;
  @Column('timestamptz', { name: 'published_at' }) publishedAt: Date;
}

@Entity('agreement_acceptances')
export class AgreementAcceptanceEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'partner_id' }) partnerId: string;
  @Column('integer', { name: 'agreement_version' }) agreementVersion: number;
  @Column('uuid', { name: 'api_key_id' }) apiKeyId: string;
  @Column('timestamptz', { name: 'accepted_at' }) acceptedAt: Date;
}
