import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ModelSummary } from '../domain/model';

/** The models the workers have loaded, as they announced them; the API reads them from here. */
@Entity('models')
export class ModelEntity {
  @PrimaryColumn('text', { name: 'model_id' }) modelId: string;
  @Column('jsonb') summary: ModelSummary;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}
