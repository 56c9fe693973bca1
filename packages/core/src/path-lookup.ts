import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where `command` would run from on $PATH, like `command -v`, without spawning a shell. */
export function findOnPath(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}
