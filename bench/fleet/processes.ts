// Child processes for bench/fleet.ts: started with the product's settings, awaited until they
// print that they are ready, and their CPU time read from /proc (Linux).
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';

export interface Started {
  child: ChildProcess;
  match: RegExpExecArray;
  /** All it printed so far. */
  output(): string;
}

/** Runs `node script args` with `env`; resolves once its output matches `ready`. */
export function spawnReady(script: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<Started> {
  const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) resolve({ child, match: m, output: () => out });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code, signal) => reject(new Error(`${script} ${args.join(' ')} exited (${code ?? signal}) before it was ready:\n${out}`)));
  });
}

/** SIGTERM, then waits until it exited and its output is read to the end. */
export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const gone = new Promise<void>((r) => child.once('close', () => r()));
  child.kill('SIGTERM');
  return gone;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU seconds of a process so far; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** A process and its children (e.g. a postmaster and its backends), by pid. */
export function withChildren(parent: number): number[] {
  const children = fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        // The parent's pid is the 2nd field after the parenthesised command name.
        return Number(fs.readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === parent;
      } catch {
        return false;
      }
    })
    .map(Number);
  return [parent, ...children];
}
