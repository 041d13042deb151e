// A task that runs every few seconds in every process (beating and reaping leases, sweeping
// expired cohorts): one run at a time, the next one `intervalSeconds` after the last ended, and a
// stop that waits for the run in progress. The timer does not keep the process alive.

export interface Periodic {
  /** One run now, after any run in progress (also what the timer runs). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/** Runs `once` every `intervalSeconds`; `once` handles its own errors (it must not reject). */
export function startPeriodic(intervalSeconds: number, once: () => Promise<void>): Periodic {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = () => (running = running.then(once));
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void tick().then(schedule), intervalSeconds * 1000);
    timer.unref();
  };
  schedule();
  return {
    tick,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
