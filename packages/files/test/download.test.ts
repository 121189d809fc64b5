import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChecksumMismatchError,
  DownloadError,
  downloadFile,
  InvalidArgumentError,
  removeTempLeftovers,
} from '../src/index.js';

const body = Buffer.from('tiny moving mnist stand-in\n'.repeat(4000));
// References computed by node:crypto on the whole body, independently of the streamed hashing.
const md5 = createHash('md5').update(body).digest('hex');
const sha256 = createHash('sha256').update(body).digest('hex');

let server: Server;
let base: string;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'files-download-'));
  server = createServer((req, res) => {
    const url = req.url ?? '';
    const hops = /^\/hops\/(\d+)$/.exec(url);
    if (hops !== null) {
      const n = Number(hops[1]);
      res.writeHead(
        n === 0 ? 200 : 307,
        n === 0 ? { 'content-length': body.length } : { location: `/hops/${n - 1}` },
      );
      res.end(n === 0 ? body : undefined);
    } else if (url === '/redirect') {
      res.writeHead(302, { location: '/file' });
      res.end();
    } else if (url === '/file') {
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    } else if (url === '/gzip') {
      const gz = gzipSync(body);
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': gz.length });
      res.end(gz);
    } else if (url === '/truncated') {
      // Promises more than it sends, then drops the connection: a download cut short.
      res.writeHead(200, { 'content-length': body.length + 100 });
      res.write(body, () => res.destroy());
    } else if (url === '/stalled') {
      // Sends a first part and then nothing: only the caller's abort ends it.
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 1000));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(root, { recursive: true, force: true });
});

/** What a promise rejected with; fails when it resolved. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

async function fresh(name: string): Promise<string> {
  return mkdtemp(join(root, `${name}-`));
}

describe('downloadFile', () => {
  it('downloads through a redirect, reports progress and keeps the file when the MD5 matches', async () => {
    const dir = await fresh('ok');
    const dest = join(dir, 'sub', 'file.bin');
    const seen: [number, number | null][] = [];
    await downloadFile(`${base}/redirect`, dest, { md5, onProgress: (r, t) => seen.push([r, t]) });
    expect(await readFile(dest)).toEqual(body);
    expect(seen.at(-1)).toEqual([body.length, body.length]);
    expect(seen.every(([r], i) => i === 0 || r > (seen[i - 1]?.[0] ?? 0))).toBe(true);
    expect(await readdir(join(dir, 'sub'))).toEqual(['file.bin']);
  });

  it('verifies a SHA-256 and accepts it in upper case', async () => {
    const dest = join(await fresh('sha'), 'file.bin');
    await downloadFile(`${base}/file`, dest, { sha256: sha256.toUpperCase() });
    expect(await readFile(dest)).toEqual(body);
  });

  it('on a checksum mismatch deletes the download, names file and both sums, and leaves an existing file as it was', async () => {
    const dir = await fresh('bad');
    const dest = join(dir, 'file.bin');
    await writeFile(dest, 'the previous version');
    const md5Error = await rejection(downloadFile(`${base}/file`, dest, { md5: '0'.repeat(32) }));
    expect(md5Error).toBeInstanceOf(ChecksumMismatchError);
    expect(md5Error).toMatchObject({ file: dest, expected: '0'.repeat(32), received: md5, algorithm: 'MD5' });
    const shaError = await rejection(downloadFile(`${base}/file`, dest, { sha256: 'f'.repeat(64) }));
    expect(String(shaError)).toContain(`${dest}: expected SHA-256 ${'f'.repeat(64)}, received ${sha256}`);
    expect(await readdir(dir)).toEqual(['file.bin']);
    expect(await readFile(dest, 'utf8')).toBe('the previous version');
  });

  it('stores the decoded bytes of a gzip-encoded response', async () => {
    const dest = join(await fresh('gzip'), 'file.bin');
    let total: number | null = 0;
    await downloadFile(`${base}/gzip`, dest, { sha256, onProgress: (_, t) => (total = t) });
    expect(await readFile(dest)).toEqual(body);
    // The header counts encoded bytes, so no total is promised.
    expect(total).toBeNull();
  });

  it('follows up to maxRedirects redirects and names the URL beyond', async () => {
    const dir = await fresh('hops');
    await downloadFile(`${base}/hops/3`, join(dir, 'three.bin'), { maxRedirects: 3, md5 });
    expect(await readFile(join(dir, 'three.bin'))).toEqual(body);
    const error = await rejection(downloadFile(`${base}/hops/3`, join(dir, 'two.bin'), { maxRedirects: 2 }));
    expect(error).toBeInstanceOf(DownloadError);
    expect(String(error)).toContain(`Download of ${base}/hops/3 failed: too many redirects`);
    expect(await readdir(dir)).toEqual(['three.bin']);
  });

  it('reports HTTP errors with their status and leaves nothing behind', async () => {
    const dir = await fresh('404');
    const error = await rejection(downloadFile(`${base}/missing`, join(dir, 'x')));
    expect(error).toBeInstanceOf(DownloadError);
    expect(error).toMatchObject({ status: 404, url: `${base}/missing` });
    expect(String(error)).toMatch(/HTTP 404/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects a download cut short and removes the partial file', async () => {
    const dir = await fresh('short');
    const error = await rejection(downloadFile(`${base}/truncated`, join(dir, 'x')));
    expect(error).toBeInstanceOf(DownloadError);
    expect(await readdir(dir)).toEqual([]);
  });

  it('names the URL when nothing listens there', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const dir = await fresh('refused');
    const error = await rejection(downloadFile(`http://127.0.0.1:${port}/x`, join(dir, 'x')));
    expect(error).toBeInstanceOf(DownloadError);
    expect(String(error)).toContain(`Download of http://127.0.0.1:${port}/x failed: `);
    expect(await readdir(dir)).toEqual([]);
  });

  it('stops when its signal aborts mid-body and removes the partial file', async () => {
    const dir = await fresh('abort');
    const controller = new AbortController();
    const error = await rejection(
      downloadFile(`${base}/stalled`, join(dir, 'x'), {
        signal: controller.signal,
        onProgress: () => controller.abort(),
      }),
    );
    expect((error as Error).name).toBe('AbortError');
    expect(await readdir(dir)).toEqual([]);
  });

  it('checks its arguments before any request or file', async () => {
    const dir = await fresh('args');
    const dest = join(dir, 'nested', 'x');
    // Nothing listens on the discard port: a request would fail with another error.
    const url = 'http://127.0.0.1:9/x';
    const unknown = await rejection(downloadFile(url, dest, { md: 'x' } as never));
    expect(unknown).toBeInstanceOf(InvalidArgumentError);
    expect(unknown).toMatchObject({
      argument: 'options.md',
      expected: 'one of the known options: md5, sha256, onProgress, maxRedirects, signal',
      received: 'unknown option "md"',
    });
    await expect(downloadFile('ftp://example.org/x', dest)).rejects.toThrow(
      'Invalid url: expected an http:// or https:// URL, received "ftp://example.org/x".',
    );
    await expect(downloadFile(url, dest, { sha256: 'abc' })).rejects.toThrow(
      /options.sha256: expected 64 hex digits/,
    );
    await expect(downloadFile(url, dest, { md5: 'g'.repeat(32) })).rejects.toThrow(
      /options.md5: expected 32 hex/,
    );
    await expect(downloadFile(url, dest, { md5, sha256 })).rejects.toThrow(/md5 or sha256, not both/);
    await expect(downloadFile(url, dest, { maxRedirects: -1 })).rejects.toThrow(/options.maxRedirects/);
    const aborted = AbortSignal.abort();
    await expect(downloadFile(url, dest, { signal: aborted })).rejects.toBe(aborted.reason);
    expect(await readdir(dir)).toEqual([]);
  });

  it("names its temporaries so that removeTempLeftovers finds a killed download's", async () => {
    const dir = await fresh('leftover');
    const controller = new AbortController();
    let names: string[] = [];
    let looked = false;
    await rejection(
      downloadFile(`${base}/stalled`, join(dir, 'x'), {
        signal: controller.signal,
        onProgress: async () => {
          if (looked) return;
          looked = true;
          // What a kill at this point would leave: the temporary is there, dest is not.
          names = await readdir(dir);
          controller.abort();
        },
      }),
    );
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^\.x\.tmp-\d+-[0-9a-f]{8}$/);
    await writeFile(join(dir, names[0] as string), 'left by a killed writer');
    expect(await removeTempLeftovers(dir)).toEqual(names);
    expect(await readdir(dir)).toEqual([]);
  });
});
