// The pg-boss queue of shard jobs. Its schema is installed by `migrate` as the owner; the app
// role only reads and writes its rows, so runtime pg-boss never runs DDL (migrate: false).
import PgBoss from 'pg-boss';
import { asAppRole } from './roles';

export const SHARD_QUEUE = 'synthbus-shard';
/** Shard jobs that used up their retries (including by expiring, when workers kept dying). */
export const FAILED_SHARD_QUEUE = 'synthbus-shard-failed';

export interface QueueOptions {
  /** Run maintenance (expiring lost jobs) at this interval; only workers need it. */
  maintenanceSeconds?: number;
}

export async function openQueue(url: string, opts: QueueOptions = {}): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: asAppRole(url),
    migrate: false,
    schedule: false,
    supervise: opts.maintenanceSeconds !== undefined,
    maintenanceIntervalSeconds: opts.maintenanceSeconds ?? 120,
    max: 4,
  });
  boss.on('error', (e: Error) => process.stderr.write(`queue error: ${e.message}\n`));
  await boss.start();
  return boss;
}

/** Installs pg-boss's schema and the shard queue as the owner, then hands the rows to the app role. */
export async function installQueue(ownerUrl: string, appRole: string): Promise<void> {
  const boss = new PgBoss({ connectionString: ownerUrl, schedule: false, supervise: false, max: 2 });
  await boss.start();
  try {
    for (const name of [FAILED_SHARD_QUEUE, SHARD_QUEUE]) {
      if (!(await boss.getQueue(name))) await boss.createQueue(name, { name, policy: 'standard' });
    }
    const db = boss.getDb();
    await db.executeSql(`GRANT USAGE ON SCHEMA pgboss TO ${appRole}`, []);
    await db.executeSql(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA pgboss TO ${appRole}`, []);
    await db.executeSql(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pgboss TO ${appRole}`, []);
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
}
