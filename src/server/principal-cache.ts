// The principals of recently seen keys, so that a key's requests do not each look it up (issue 15:
// one of the read path's round trips). Safe only while this process hears every access change on
// the access channel (services/principal: revoked keys, partners' new status, members' new roles):
// each evicts what it concerns, nothing is cached while the channel's connection is down, and a
// look-up that began before an eviction is not cached (it may have read what the change replaced).
// An entry lives TTL_MS at most, and the key's last-use time is written on the look-ups between.
import { AccessChange, Principal, concerns } from '../services/principal';

const TTL_MS = 10_000;
const CAPACITY = 10_000;

export class PrincipalCache {
  private readonly entries = new Map<string, { principal: Principal; expires: number }>();
  private generation = 0;
  private listening = false;

  /** Before a look-up: the generation to give set() with its result. */
  begin(): number {
    return this.generation;
  }

  get(tokenHash: string): Principal | undefined {
    const e = this.entries.get(tokenHash);
    if (!e) return undefined;
    if (e.expires > Date.now()) return e.principal;
    this.entries.delete(tokenHash);
    return undefined;
  }

  set(tokenHash: string, principal: Principal, generation: number): void {
    if (!this.listening || generation !== this.generation) return;
    if (this.entries.size >= CAPACITY) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(tokenHash, { principal, expires: Date.now() + TTL_MS });
  }

  /** Forgets every principal the change concerns. */
  evict(change: AccessChange): void {
    this.generation++;
    for (const [hash, e] of this.entries) if (concerns(change, e.principal)) this.entries.delete(hash);
  }

  /** Whether the access channel is heard; when it is not, nothing is kept. */
  setListening(on: boolean): void {
    this.listening = on;
    this.generation++;
    this.entries.clear();
  }
}
