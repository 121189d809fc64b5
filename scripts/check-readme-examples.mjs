#!/usr/bin/env node
// Type-checks every ```ts block of every package README under strict TypeScript, the way a
// user pastes it: each block is one module, compiled against the workspace packages' sources.
// A block that is not meant to compile alone is a bug in the README, not in this check.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const blocks = [];
for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, group))) {
    const readme = join(root, group, name, 'README.md');
    if (!existsSync(readme)) continue;
    const text = readFileSync(readme, 'utf8');
    for (const match of text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
      const line = text.slice(0, match.index).split('\n').length;
      blocks.push({
        dir: join(root, group, name),
        where: `${group}/${name}/README.md:${line}`,
        code: match[1],
      });
    }
  }
}

// Each block goes beside its package (so the package's own dependencies resolve) in a folder git ignores.
const files = [];
for (const [i, block] of blocks.entries()) {
  const dir = join(block.dir, '.readme-examples');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `example-${i}.mts`);
  writeFileSync(file, `// ${block.where}\n${block.code}export {};\n`);
  files.push({ file, where: block.where });
}
const tsconfig = join(root, '.readme-examples.tsconfig.json');
writeFileSync(
  tsconfig,
  JSON.stringify({
    extends: './tsconfig.base.json',
    compilerOptions: { noEmit: true, strict: true, noUnusedLocals: false, types: ['node'] },
    files: files.map((f) => f.file),
  }),
);
const result = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', tsconfig], { encoding: 'utf8' });
for (const { file } of files) rmSync(join(file, '..'), { recursive: true, force: true });
rmSync(tsconfig, { force: true });
const output = `${result.stdout}${result.stderr}`;
let failed = 0;
for (const { file, where } of files) {
  const errors = output.split('\n').filter((l) => l.startsWith(file) || l.includes(file.slice(root.length)));
  if (errors.length > 0) {
    failed++;
    console.error(`✗ ${where}\n${errors.map((e) => `    ${e.slice(e.indexOf('('))}`).join('\n')}`);
  }
}
if (result.status !== 0 && failed === 0) console.error(output);
console.log(`README examples: ${files.length - failed} of ${files.length} compile under strict TypeScript`);
process.exit(result.status === 0 ? 0 : 1);
