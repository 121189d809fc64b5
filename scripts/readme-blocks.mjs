// What the README checks read: every README of the workspace, its fenced blocks and their markers.
// One parser for scripts/check-readme-examples.mjs and scripts/check-readme-names.mjs.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname;

/** The READMEs checked: the root one, then every package's and app's. */
export function readmes() {
  const list = [{ dir: root, rel: 'README.md' }];
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, group)).sort()) {
      if (existsSync(join(root, group, name, 'README.md'))) {
        list.push({ dir: join(root, group, name), rel: `${group}/${name}/README.md` });
      }
    }
  }
  return list.map((r) => ({ ...r, text: readFileSync(join(root, r.rel), 'utf8') }));
}

/**
 * Fenced blocks of one README: `lang` is the info string's first word, `line` the fence's line
 * (1-based), `directives` the `<!-- readme-example: … -->` comment on the line before the fence,
 * split at `;`.
 */
export function fencedBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)(.*)$/.exec(lines[i]);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && lines[end] !== '```') end++;
    const marker = /^<!--\s*readme-example:\s*(.*?)\s*-->$/.exec(lines[i - 1] ?? '');
    blocks.push({
      lang: open[1],
      line: i + 1,
      code: lines.slice(i + 1, end).join('\n'),
      directives: marker
        ? marker[1]
            .split(';')
            .map((d) => d.trim())
            .filter(Boolean)
        : [],
    });
    i = end;
  }
  return blocks;
}

/** Prose lines (outside fenced blocks) with their 1-based line numbers. */
export function proseLines(text) {
  const out = [];
  let inFence = false;
  for (const [i, line] of text.split('\n').entries()) {
    if (line.startsWith('```')) {
      inFence = !inFence;
      continue;
    }
    if (!inFence) out.push({ line: i + 1, text: line });
  }
  return out;
}
