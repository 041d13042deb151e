// One lock per image hash, held to the end of the caller's transaction. It serialises the two
// things that race on bytes several orders may file (generation is deterministic): recording an
// image that files them (worker/run-shard.ts) and removing them once no live order files them
// (services/cohort-deletion.ts). Whoever takes it second sees the other's committed work.
import type { EntityManager } from 'typeorm';

// The two-int form of advisory locks: its own key space (the one-bigint locks elsewhere never
// collide with it). The hash's first 32 bits pick the lock; two hashes sharing them only wait.
const BLOB_LOCK_CLASS = 0x5b10b;

export async function lockBlob(m: EntityManager, sha256: string): Promise<void> {
  await m.query(`SELECT pg_advisory_xact_lock($1, ('x' || substr($2, 1, 8))::bit(32)::int)`, [BLOB_LOCK_CLASS, sha256]);
}
