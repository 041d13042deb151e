import type { MixEntry } from '../domain/order-request';
import { CliError } from './api';

/** `3=0.4,4=0.3,5=0.3` → BI-RADS fractions. The API checks that they sum to 1 and the model has them. */
export function parseMix(text: string): MixEntry[] {
  const seen = new Set<number>();
  return text.split(',').map((part) => {
    const m = /^\s*(\d+)\s*=\s*(\d*\.?\d+)\s*$/.exec(part);
    if (!m) throw new CliError(`--mix: "${part}" is not BIRADS=FRACTION (e.g. 3=0.4,4=0.3,5=0.3)`, 2);
    const birads = Number(m[1]);
    if (seen.has(birads)) throw new CliError(`--mix: BI-RADS ${birads} is given twice`, 2);
    seen.add(birads);
    return { birads, fraction: Number(m[2]) };
  });
}
