import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Scope } from '../domain/partner';

export type KeyRole = 'ADMIN' | 'PARTNER';

@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'partner_id', nullable: true }) partnerId: string | null;
  @Column('text') role: KeyRole;
  /** The member a partner key belongs to; null for admin keys. */
  @Column('uuid', { name: 'member_id', nullable: true }) memberId: string | null;
  @Column('text') name: string;
  /** The first characters of the token, shown in listings so a partner can tell keys apart. */
  @Column('text', { name: 'token_prefix' }) tokenPrefix: string;
  /** sha256 of the whole token; the token itself is never stored. */
  @Column('text', { name: 'token_hash' }) tokenHash: string;
  @Column('text', { array: true }) scopes: Scope[];
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('timestamptz', { name: 'last_used_at', nullable: true }) lastUsedAt: Date | null;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt: Date | null;
}
