// Finds the Chromium the playground tests drive: SYNTHBUS_CHROMIUM if set, else the first of the
// usual names on PATH, else playwright's own download. Without one, the error says what to install
// (playwright only says "Target page, context or browser has been closed").
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findChromium(env: NodeJS.ProcessEnv = process.env, playwrightPath?: string): string {
  const set = env.SYNTHBUS_CHROMIUM;
  if (set) {
    if (isExecutable(set)) return set;
    throw new Error(`SYNTHBUS_CHROMIUM is "${set}", which is not an executable file.`);
  }
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of NAMES) {
    const found = dirs.map((d) => join(d, name)).find(isExecutable);
    if (found) return found;
  }
  if (playwrightPath && isExecutable(playwrightPath)) return playwrightPath;
  throw new Error(
    `The playground tests need a headless Chromium, and none was found (looked for ${NAMES.join(', ')} on PATH). ` +
      'Install it (Debian/Ubuntu: `apt-get install chromium`; elsewhere: `npx playwright-core install chromium`), ' +
      'or set SYNTHBUS_CHROMIUM to the browser executable.',
  );
}
