import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';

/** Debian's `chromium` package (`apt-get install -y chromium`); no browser is downloaded. */
export const CHROMIUM = '/usr/bin/chromium';

/** The flags the tests run Chromium with; `--enable-unsafe-webgpu` exposes WebGPU on SwiftShader. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--enable-unsafe-webgpu',
];

/** Why the browser tests cannot run here, or `null` when they can. */
export function browserSkipReason(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} is absent (install it with: apt-get install -y chromium)`;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

/** Serves `root` on 127.0.0.1 on a free port (WebGPU needs a secure context: localhost is one). */
export async function serveStatic(root: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    const file = join(root, path === '/' ? 'index.html' : path);
    readFile(file).then(
      (body) => {
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
        res.end(body);
      },
      () => {
        res.writeHead(404);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Bundles `entry` for the browser into a fresh temp folder with an `index.html` loading it. */
export async function bundlePage(entry: string): Promise<{ dir: string; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'convlstm-webgpu-'));
  await build({
    entryPoints: { main: entry },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: dir,
    conditions: ['@convlstm/source', 'browser', 'import', 'default'],
    logLevel: 'error',
    // tfjs-backend-wasm references Node built-ins behind runtime checks it never takes in a page.
    external: ['fs', 'path', 'os', 'crypto', 'worker_threads', 'perf_hooks'],
  });
  await writeFile(
    join(dir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>convlstm webgpu tests</title><script type="module" src="main.js"></script>',
  );
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** Launches headless Chromium, by default with {@link CHROMIUM_ARGS}. */
export function launchChromium(args: readonly string[] = CHROMIUM_ARGS): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...args], headless: true });
}

/** Options of {@link collect}. */
export interface CollectOptions {
  /** A script run in the page before any of its own (`page.addInitScript`), e.g. to hide APIs. */
  readonly initScript?: string;
}

/**
 * Opens `url`, waits until the page sets `window[key]`, and returns it with the page's errors
 * and warnings (WebGPU reports invalid shaders only there). A timeout error includes that log.
 */
export async function collect<T>(
  browser: Browser,
  url: string,
  key: string,
  timeoutMs: number,
  options: CollectOptions = {},
): Promise<{ value: T; log: string[] }> {
  const page = await browser.newPage();
  if (options.initScript !== undefined) await page.addInitScript(options.initScript);
  const log: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') log.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  try {
    await page.goto(url);
    await page.waitForFunction((k) => (window as unknown as Record<string, unknown>)[k] !== undefined, key, {
      timeout: timeoutMs,
      polling: 250,
    });
    const value = (await page.evaluate((k) => (window as unknown as Record<string, unknown>)[k], key)) as T;
    return { value, log };
  } catch (error) {
    throw new Error(`${String(error)}\npage log:\n${log.join('\n')}`);
  } finally {
    await page.close();
  }
}

/** A bundled test page served from 127.0.0.1 and the Chromium that opens it. */
export interface ServedPage {
  readonly url: string;
  readonly browser: Browser;
  /** Closes the browser and the server and removes the bundle, also after a failed start. */
  close(): Promise<void>;
}

/**
 * Bundles `entry`, lets `prepare` add files beside the bundle (e.g. wasm binaries), serves the
 * folder and launches Chromium: the `beforeAll` of every browser test file.
 */
export async function servePage(
  entry: string,
  prepare?: (dir: string) => Promise<void>,
): Promise<ServedPage> {
  const cleanups: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const bundle = await bundlePage(entry);
    cleanups.push(bundle.dispose);
    await prepare?.(bundle.dir);
    const server = await serveStatic(bundle.dir);
    cleanups.push(server.close);
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    return { url: server.url, browser, close };
  } catch (error) {
    await close();
    throw error;
  }
}
