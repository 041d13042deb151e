// `migrate`: applies the committed migrations and installs the job queue, as the database owner.
import { installQueue } from './queue';
import { ownerDataSource } from './data-source';
import { APP_ROLE } from './roles';

export async function migrate(ownerUrl: string, log: (line: string) => void = () => undefined): Promise<void> {
  const ds = await ownerDataSource(ownerUrl).initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    for (const m of applied) log(`migration applied: ${m.name}`);
  } finally {
    await ds.destroy();
  }
  await installQueue(ownerUrl, APP_ROLE);
}
