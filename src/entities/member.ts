import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { MemberRole } from '../domain/partner';

/** A named person of a partner organisation; each partner API key belongs to one. */
@Entity('members')
export class MemberEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'partner_id' }) partnerId: string;
  @Column('text') name: string;
  @Column('text', { nullable: true }) email: string | null;
  @Column('text') role: MemberRole;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  /** Set once, when the member is removed (their keys are revoked in the same transaction). */
  @Column('timestamptz', { name: 'removed_at', nullable: true }) removedAt: Date | null;
}
