// TypeORM data sources: the owner's (migrations only) and the app's (everything else, as the
// least-privilege role).
import 'reflect-metadata';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { entities } from '../entities';
import { asAppRole } from './roles';

// Compiled to dist/src/db → dist/migrations; under ts-jest the .ts sources are loaded directly.
const migrationsGlob = path.join(__dirname, '..', '..', 'migrations', `*.${__filename.endsWith('.ts') ? 'ts' : 'js'}`);

export function ownerDataSource(ownerUrl: string): DataSource {
  return new DataSource({ type: 'postgres', url: ownerUrl, entities, migrations: [migrationsGlob], migrationsTransactionMode: 'each', extra: { max: 2 } });
}

export async function openAppDataSource(url: string, poolSize = 10): Promise<DataSource> {
  const ds = new DataSource({ type: 'postgres', url: asAppRole(url), entities, extra: { max: poolSize } });
  return ds.initialize();
}
