#!/usr/bin/env node
// Runs the benchmark page (bench.html) in Debian's headless Chromium and prints its tables:
// the browser version of `pnpm bench`. Builds the page with Vite first.
//   pnpm --filter @convlstm/web-demo bench [--quick] [--backends webgpu,webgl,wasm]
//     [--shapes a,c] [--max-run-s 15] [--json out.json] [--timeout-s 1800]
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';
import { serveStatic } from './static-server.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

function parseArgs(argv) {
  const args = { quick: false, backends: 'webgpu', shapes: null, maxRun: null, json: null, timeout: 1800 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    // pnpm passes the `--` of `pnpm bench -- --quick` through.
    if (arg === '--') continue;
    if (arg === '--quick') args.quick = true;
    else if (arg === '--backends') args.backends = value();
    else if (arg === '--shapes') args.shapes = value();
    else if (arg === '--max-run-s') args.maxRun = value();
    else if (arg === '--json') args.json = value();
    else if (arg === '--timeout-s') args.timeout = Number(value());
    else throw new Error(`unknown argument ${arg}`);
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
if (!existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} is absent: apt-get install -y chromium`);
  process.exit(1);
}
const outDir = join(root, 'node_modules', '.bench-dist');
await build({ root, logLevel: 'warn', build: { outDir, emptyOutDir: true } });

const server = await serveStatic(outDir);
const query = new URLSearchParams({ backends: args.backends });
if (args.quick) query.set('quick', '1');
if (args.shapes) query.set('shapes', args.shapes);
if (args.maxRun) query.set('maxRunSeconds', args.maxRun);
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [...CHROMIUM_ARGS],
});
let failed = false;
try {
  const page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') console.error(`[page] ${m.text()}`);
  });
  let shown = 0;
  const progress = setInterval(async () => {
    const log = await page
      .evaluate(() => document.getElementById('bench-log')?.textContent ?? '')
      .catch(() => '');
    if (log.length > shown) {
      process.stderr.write(log.slice(shown));
      shown = log.length;
    }
  }, 2000);
  await page.goto(`${server.url}bench.html?${query}`);
  await page.waitForFunction(
    () => window.__benchReport !== undefined || window.__benchError !== undefined,
    null,
    {
      timeout: args.timeout * 1000,
      polling: 1000,
    },
  );
  clearInterval(progress);
  const error = await page.evaluate(() => window.__benchError ?? null);
  if (error !== null) throw new Error(`bench page: ${error}`);
  console.log(await page.evaluate(() => document.getElementById('bench-report')?.textContent ?? ''));
  if (args.json !== null) {
    const path = resolve(process.env.INIT_CWD ?? process.cwd(), args.json);
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(await page.evaluate(() => window.__benchReport), null, 2)}\n`);
    renameSync(tmp, path);
    console.error(`wrote ${path}`);
  }
} catch (error) {
  failed = true;
  console.error(error instanceof Error ? error.message : error);
} finally {
  await browser.close();
  await server.close();
}
process.exit(failed ? 1 : 0);
