// Records the SQL that this process sends through TypeORM (the in-process API's data source).
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';

export async function sqlDuring(run: () => Promise<unknown>): Promise<string[]> {
  const spy = jest.spyOn(PostgresQueryRunner.prototype, 'query');
  try {
    await run();
    return spy.mock.calls.map((call) => String(call[0]));
  } finally {
    spy.mockRestore();
  }
}
