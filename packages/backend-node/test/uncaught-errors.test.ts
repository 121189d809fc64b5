import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs `body` in a fresh Node process after `useNodeBackend` picked wasm (from the built dist). */
function afterWasm(threads: number, body: string) {
  const dist = join(packageDir, 'dist', 'index.js');
  expect(existsSync(dist), `${dist} missing: run pnpm build (turbo builds before test)`).toBe(true);
  const script = [
    `import { useNodeBackend } from ${JSON.stringify(pathToFileURL(dist).href)};`,
    `const r = await useNodeBackend({ backend: 'wasm', wasmThreads: ${threads} });`,
    "if (r.backend !== 'wasm') throw new Error('not on wasm: ' + r.backend);",
    body,
  ].join('\n');
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: packageDir,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

// tfjs-backend-wasm's Emscripten module adds process handlers that rethrow: Node then exits with
// code 7 ("internal exception handler run-time failure") and prints a whole minified line of glue.
describe("an application's uncaught errors after useNodeBackend picked wasm", () => {
  it.each([
    ['an uncaught exception, one thread', 1, "setTimeout(() => { throw new Error('user bug 4711') });"],
    ['an uncaught exception, threaded binary', 2, "setTimeout(() => { throw new Error('user bug 4711') });"],
    ['a top-level throw', 1, "throw new Error('user bug 4711');"],
    ['an unhandled rejection', 1, "Promise.reject(new Error('user bug 4711'));"],
  ])('%s: Node reports it itself (exit code 1, its message, a short stderr)', (_label, threads, body) => {
    const child = afterWasm(threads, body);
    expect(child.error).toBeUndefined();
    expect(child.stderr).toContain('Error: user bug 4711');
    expect(child.stderr.length, child.stderr.slice(0, 500)).toBeLessThan(2_000);
    expect(child.status).toBe(1);
  });
});
