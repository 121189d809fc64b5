import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

function runNode(args: string[], script: string) {
  return spawnSync(process.execPath, [...args, '-e', script], {
    cwd: packageDir,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

// What a test runner or a server-side renderer meets: the built package (dist/, as npm installs
// it) loaded by plain Node, which has no WebGPU or WebGL.
describe('the built package in plain Node', () => {
  const dist = (file: string) => {
    const path = join(packageDir, 'dist', file);
    expect(existsSync(path), `${path} missing: run pnpm build (turbo builds before test)`).toBe(true);
    return path;
  };

  it('imports as ESM; useWebGPUBackend says Node has no WebGPU and falls back to wasm', () => {
    const child = runNode(
      ['--input-type=module'],
      [
        `import { useWebGPUBackend } from ${JSON.stringify(pathToFileURL(dist('index.js')).href)};`,
        'const r = await useWebGPUBackend();',
        'console.log(JSON.stringify(r));',
      ].join('\n'),
    );
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const report = JSON.parse(child.stdout);
    expect(report).toMatchObject({ backend: 'wasm', fellBack: true, wasmKernels: true });
    expect(report.attempts.map((a: { backend: string; ok: boolean }) => [a.backend, a.ok])).toEqual([
      ['webgpu', false],
      ['webgl', false],
      ['wasm', true],
    ]);
    expect(report.attempts[0].reason).toMatch(/Node\.js, which has no WebGPU.*useNodeBackend/);
  });

  it('requires as CJS and falls back the same way', () => {
    const child = runNode(
      [],
      [
        `const { useWebGPUBackend } = require(${JSON.stringify(dist('index.cjs'))});`,
        "useWebGPUBackend({ fallbacks: ['wasm'] }).then((r) => console.log(r.backend, r.attempts[0].reason));",
      ].join('\n'),
    );
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout).toMatch(/^wasm navigator\.gpu is missing: this is Node\.js/);
  });

  it("leaves Node's own exit code and message for the application's uncaught errors after the wasm fallback", () => {
    const child = runNode(
      ['--input-type=module'],
      [
        `import { useWebGPUBackend } from ${JSON.stringify(pathToFileURL(dist('index.js')).href)};`,
        "await useWebGPUBackend({ fallbacks: ['wasm'] });",
        "setTimeout(() => { throw new Error('user bug 4711'); });",
      ].join('\n'),
    );
    expect(child.stderr).toContain('Error: user bug 4711');
    expect(child.stderr.length).toBeLessThan(2_000);
    expect(child.status).toBe(1);
  });
});
