// Serves the built page with `vite preview`, opens it in headless Chromium with WebGPU and
// WebGL hidden (navigator.gpu undefined, no webgl context), and checks that it fell back to
// wasm, loaded the binaries Vite emitted, and trained: finite, decreasing losses, weights moved.
// Prints one line and exits 0, or prints why and exits 1. Chromium's path and flags come from
// CONVLSTM_CHROMIUM (JSON: { path, args }), set by scripts/release-check.mjs.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { chromium } from 'playwright-core';

const { path: executablePath, args } = JSON.parse(process.env.CONVLSTM_CHROMIUM ?? '{}');

const port = await new Promise((resolve, reject) => {
  const server = createServer();
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
  server.on('error', reject);
});
const preview = spawn(
  'node_modules/.bin/vite',
  ['preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
let previewLog = '';
let previewExited = false;
preview.on('exit', () => (previewExited = true));
preview.stdout.on('data', (d) => (previewLog += d));
preview.stderr.on('data', (d) => (previewLog += d));

const url = `http://127.0.0.1:${port}/`;
let browser;
try {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(url)).ok) break;
    } catch {}
    if (previewExited || Date.now() > deadline)
      throw new Error(`vite preview did not answer at ${url}:\n${previewLog}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  browser = await chromium.launch({ executablePath, args });
  const page = await browser.newPage();
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
    for (const Canvas of [globalThis.HTMLCanvasElement, globalThis.OffscreenCanvas]) {
      if (Canvas === undefined) continue;
      const getContext = Canvas.prototype.getContext;
      Canvas.prototype.getContext = function (type, ...rest) {
        return /webgl/i.test(type) ? null : getContext.call(this, type, ...rest);
      };
    }
  });
  const wasmResponses = [];
  page.on('response', (r) => {
    if (/\.wasm($|\?)/.test(r.url()))
      wasmResponses.push(`${r.status()} ${r.headers()['content-type']} ${r.url()}`);
  });
  const console_ = [];
  page.on('console', (m) => console_.push(m.text()));
  page.on('pageerror', (e) => console_.push(String(e)));
  await page.goto(url);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 90_000 });
  const result = await page.evaluate(() => window.__result);
  const problems = [];
  if (result.error) problems.push(`the page threw: ${result.error}`);
  else {
    if (result.backend !== 'wasm') problems.push(`backend ${result.backend}, expected the wasm fallback`);
    const tried = result.report.attempts.map((a) => `${a.backend}:${a.ok}`).join(' ');
    if (tried !== 'webgpu:false webgl:false wasm:true') problems.push(`attempts ${tried}`);
    if (!result.report.wasmKernels)
      problems.push(`wasm kernels not registered: ${result.report.wasmKernelsError}`);
    const { losses } = result;
    if (!losses.every(Number.isFinite)) problems.push(`losses not finite: ${losses}`);
    if (!(losses.at(-1) < losses[0])) problems.push(`loss did not decrease: ${losses}`);
    if (!result.changed) problems.push('the weights did not change');
  }
  const loaded = wasmResponses.filter((r) => r.startsWith('200 application/wasm'));
  if (loaded.length === 0)
    problems.push(`no .wasm loaded as application/wasm: ${wasmResponses.join('; ') || 'none requested'}`);
  if (problems.length > 0) {
    console.error(`${problems.join('\n')}\npage console:\n${console_.slice(-20).join('\n')}`);
    process.exitCode = 1;
  } else {
    const file = loaded[0].split('/').pop();
    console.log(
      `vite: fell back to wasm (${file}), ${result.losses.length} training steps, loss ${result.losses[0].toFixed(4)} → ${result.losses.at(-1).toFixed(4)}`,
    );
  }
} finally {
  await browser?.close();
  preview.kill();
}
