import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * Whether tfjs-node's addon loads, checked in a child process (independently of the
 * code under test): `null` when it loads, else the reason, printed by the caller.
 */
export function nativeAddonProblem(): string | null {
  try {
    execFileSync(process.execPath, ['-e', "require('@tensorflow/tfjs-node')"], {
      cwd: packageDir,
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 60_000,
    });
    return null;
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? e);
    const lines = stderr.split('\n');
    const line = lines.find((l) => /^\w*Error: /.test(l)) ?? lines.find((l) => /error/i.test(l)) ?? lines[0];
    return `@tensorflow/tfjs-node does not load (${line?.trim()}); build it with: bash packages/backend-node/scripts/build-tfjs-node-offline.sh`;
  }
}
