import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('audit_log')
export class AuditEntryEntity {
  @PrimaryColumn('bigint', { transformer: { to: (v: number) => v, from: (v: string) => Number(v) } }) seq: number;
  @Column('timestamptz') at: Date;
  /** 'admin', 'partner:<id>', 'worker' or 'anonymous'. */
  @Column('text') actor: string;
  @Column('uuid', { name: 'key_id', nullable: true }) keyId: string | null;
  /** The partner member whose key acted, and their name then; null for every other actor. */
  @Column('uuid', { name: 'member_id', nullable: true }) memberId: string | null;
  @Column('text', { name: 'member_name', nullable: true }) memberName: string | null;
  @Column('text') action: string;
  @Column('text', { name: 'target_type', nullable: true }) targetType: string | null;
  @Column('text', { name: 'target_id', nullable: true }) targetId: string | null;
  @Column('text') outcome: string;
  @Column('jsonb') detail: Record<string, unknown>;
  @Column('text', { name: 'prev_hash' }) prevHash: string;
  @Column('text') hash: string;
}
