#!/usr/bin/env node
// Takes the README screenshot: serves the built page (dist/, with the committed trained
// checkpoint) on 127.0.0.1, opens it in Debian's headless Chromium on WebGPU, waits for the
// first forecast and saves docs/screenshot.png. Run `pnpm build` in this folder first.
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';
import { serveStatic } from './static-server.mjs';

const root = new URL('../dist/', import.meta.url).pathname;
const server = await serveStatic(root);
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [...CHROMIUM_ARGS],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(server.url);
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
  await server.close();
}
