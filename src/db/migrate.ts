// `migrate`: applies the committed migrations, as the database owner.
import { ownerDataSource } from './data-source';

export async function migrate(ownerUrl: string, log: (line: string) => void = () => undefined): Promise<void> {
  const ds = await ownerDataSource(ownerUrl).initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    for (const m of applied) log(`migration applied: ${m.name}`);
  } finally {
    await ds.destroy();
  }
}
