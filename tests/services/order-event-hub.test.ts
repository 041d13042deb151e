// The hub's LISTEN connection: a loss is logged once its outcome is known, never when close()
// follows it (a clean shutdown in which the database went first).
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { OrderEventHub } from '../../src/services/order-event-hub';
import { createDatabase } from '../helpers/stack';

let url: string;
beforeAll(async () => {
  url = await createDatabase();
});

// No order is watched in these tests, so the hub never reads through its DataSource.
const NO_DS = null as unknown as DataSource;

async function killListenConnection(hub: OrderEventHub): Promise<void> {
  const pid = await hub.backendPid();
  const admin = new Client({ connectionString: url });
  await admin.connect();
  await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  await admin.end();
}

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !(await check()); ) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('logs nothing when it is closed after losing its connection (a shutdown in which the database went first)', async () => {
  const lines: string[] = [];
  const hub = new OrderEventHub(url, NO_DS, (l) => lines.push(l));
  await hub.start();
  await killListenConnection(hub);
  await until(async () => (await hub.backendPid()) === null);
  await hub.close();
  await new Promise((r) => setTimeout(r, 600)); // past the first retry's time
  expect(lines).toEqual([]);
});

it('logs a lost connection once it has reconnected, with the reason', async () => {
  const lines: string[] = [];
  const hub = new OrderEventHub(url, NO_DS, (l) => lines.push(l));
  await hub.start();
  const before = await hub.backendPid();
  await killListenConnection(hub);
  await until(async () => ![null, before].includes(await hub.backendPid()));
  await hub.close();
  expect(lines).toEqual([expect.stringMatching(/^order events: lost the LISTEN connection \(terminating connection due to administrator command\) [\d.]+ s ago; reconnected, resyncing 0 watched order\(s\)$/)]);
});
