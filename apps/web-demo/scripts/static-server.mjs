// A static file server on 127.0.0.1 for the built page (scripts and the end-to-end test).
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';

const TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
};

/**
 * Serves `root` (`/` is `index.html`) on a free port of 127.0.0.1; `mounts` maps a URL prefix
 * such as `/checkpoint/` to another folder. Paths cannot climb out of their folder.
 */
export async function serveStatic(root, mounts = {}) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    const mount = Object.keys(mounts).find((prefix) => path.startsWith(prefix));
    const file =
      mount !== undefined
        ? join(mounts[mount], path.slice(mount.length))
        : join(root, path === '/' ? 'index.html' : path);
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
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
