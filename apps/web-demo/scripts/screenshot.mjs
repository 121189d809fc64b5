#!/usr/bin/env node
// Takes the README screenshot: serves the built page (dist/, with the committed trained
// checkpoint) on 127.0.0.1, opens it in Debian's headless Chromium on WebGPU, waits for the
// first forecast and saves docs/screenshot.png. Run `pnpm build` in this folder first.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';

const root = new URL('../dist/', import.meta.url).pathname;
const types = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
};
const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^\/+/, '');
  try {
    const body = await readFile(join(root, path === '' || path === '.' ? 'index.html' : path));
    res.writeHead(200, {
      'content-type':
        types[extname(path === '' || path === '.' ? 'index.html' : path)] ?? 'application/octet-stream',
    });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const { port } = server.address();
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [...CHROMIUM_ARGS],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(`http://127.0.0.1:${port}/`);
  await page
    .waitForFunction(
      () =>
        document.body.textContent.includes('ms per forecast') ||
        document.body.textContent.match(/forecast.*\d+(\.\d+)?\s*s/i),
      null,
      { timeout: 240_000 },
    )
    .catch(() => {});
  await page.waitForTimeout(5000);
  await page.screenshot({
    path: new URL('../docs/screenshot.png', import.meta.url).pathname,
    fullPage: true,
  });
  console.log(await page.evaluate(() => document.body.textContent.slice(0, 600)));
} finally {
  await browser.close();
  server.close();
}
