import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { PartnerStatus } from '../domain/partner';

@Entity('partners')
export class PartnerEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') name: string;
  @Column('text') institution: string;
  @Column('text', { name: 'contact_email' }) contactEmail: string;
  @Column('text') purpose: string;
  @Column('text') status: PartnerStatus;
  @Column('text', { name: 'status_reason', nullable: true }) statusReason: string | null;
  /** Null quotas fall back to the configured defaults. */
  @Column('integer', { name: 'quota_images_per_order', nullable: true }) quotaImagesPerOrder: number | null;
  @Column('integer', { name: 'quota_images_per_30_days', nullable: true }) quotaImagesPer30Days: number | null;
  @Column('integer', { name: 'quota_concurrent_orders', nullable: true }) quotaConcurrentOrders: number | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('timestamptz', { name: 'status_changed_at' }) statusChangedAt: Date;
}
