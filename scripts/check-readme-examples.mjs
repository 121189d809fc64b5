#!/usr/bin/env node
// Runs every ```ts block of every README (root, packages/*, apps/*) the way a user pastes it, and
// type-checks each under strict TypeScript.
//
// - Each block is one module. It is type-checked against the workspace packages' sources, then
//   transpiled to an .mjs file beside its package (so the package's own dependencies resolve, the
//   workspace packages through their built dist: `pnpm build` first) and run by Node in a scratch
//   folder, within TIME_LIMIT_S. Its setup — the backend line included — is in the block.
// - A block whose first line is `// type-check only: <reason>` is only type-checked (a browser,
//   a GPU, a download): the reason is visible to every reader.
// - `<!-- readme-example: … -->` on the line before a fence gives what a reader has at hand:
//   `NAME from REPO/PATH` copies a repository file (or folder) to NAME in the scratch folder,
//   `run with ARGS` passes command-line arguments; `;` separates several.
// - Then the cheap shell commands listed in COMMANDS run from the repository root; each must still
//   be in its README. The rest of the READMEs' commands train, download or publish and are not run.
// A block that fails is a bug in the README (or in the package), not in this check.
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { fencedBlocks, readmes, root } from './readme-blocks.mjs';

const TIME_LIMIT_S = 120;
const COMMAND_TIME_LIMIT_S = 180;

/**
 * Cheap commands of the READMEs that run here, exactly as the README writes them. Not run: the
 * ones that install, train, download or publish (`pnpm main-job`, `pnpm verify`, `fetch-sample`,
 * `experiment`, `pnpm release`, …) and `pnpm --filter …... build`, which rebuilds without turbo's
 * cache while the examples read the built packages.
 */
const COMMANDS = [
  { readme: 'README.md', command: 'pnpm quickstart' },
  { readme: 'apps/moving-mnist/README.md', command: 'node apps/moving-mnist/dist/cli.js --help' },
];

const TYPE_CHECK_ONLY = /^\/\/ type-check only: (.+)$/;

// `node scripts/check-readme-examples.mjs packages/train` checks only the READMEs whose path contains an argument.
const only = process.argv.slice(2);
const selected = (rel) => only.length === 0 || only.some((o) => rel.includes(o));
const commands = COMMANDS.filter((c) => selected(c.readme));
const blocks = [];
for (const readme of readmes().filter((r) => selected(r.rel))) {
  for (const block of fencedBlocks(readme.text)) {
    if (block.lang !== 'ts') continue;
    const reason = TYPE_CHECK_ONLY.exec(block.code.split('\n')[0] ?? '')?.[1];
    blocks.push({ ...block, dir: readme.dir, where: `${readme.rel}:${block.line}`, reason });
  }
}

// Every block is written beside its package, in a folder git ignores.
const exampleDirs = new Set();
for (const block of blocks) {
  const dir = join(block.dir, '.readme-examples');
  exampleDirs.add(dir);
  rmSync(dir, { recursive: true, force: true });
}
for (const [i, block] of blocks.entries()) {
  const dir = join(block.dir, '.readme-examples');
  mkdirSync(dir, { recursive: true });
  block.source = `// ${block.where}\n${block.code}\nexport {};\n`;
  block.file = join(dir, `example-${i}.mts`);
  writeFileSync(block.file, block.source);
}

const failures = [];
const cleanup = () => {
  for (const dir of exampleDirs) rmSync(dir, { recursive: true, force: true });
};

// 1. Strict TypeScript, all blocks in one program.
{
  const tsconfig = join(root, '.readme-examples.tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: './tsconfig.base.json',
      compilerOptions: { noEmit: true, strict: true, noUnusedLocals: false, types: ['node'] },
      files: blocks.map((b) => b.file),
    }),
  );
  const result = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', tsconfig], { encoding: 'utf8' });
  rmSync(tsconfig, { force: true });
  const output = `${result.stdout}${result.stderr}`;
  let attributed = 0;
  for (const block of blocks) {
    const rel = block.file.slice(root.length);
    const errors = output.split('\n').filter((l) => l.startsWith(block.file) || l.startsWith(rel));
    if (errors.length > 0) {
      attributed++;
      block.typeError = true;
      failures.push({
        where: block.where,
        error: `does not compile under strict TypeScript:\n${errors
          .map((e) => `    ${readmeLine(block, e.slice(e.indexOf('(')))}`)
          .join('\n')}`,
      });
    }
  }
  if (result.status !== 0 && attributed === 0) failures.push({ where: 'tsc', error: output });
}

/** `(line,col): message` of the generated file → the README's line. */
function readmeLine(block, message) {
  return message.replace(
    /^\((\d+),(\d+)\)/,
    (_, line, col) => `line ${block.line + Number(line) - 1}:${col}`,
  );
}

// 2. Run the runnable blocks, two at a time (the machine has two cores).
const runnable = blocks.filter((b) => b.reason === undefined && !b.typeError);
const missingDist = missingBuilds();
if (missingDist.length > 0) {
  cleanup();
  console.error(
    `README examples run against the built packages; not built: ${missingDist.join(', ')}. Run \`pnpm build\` first.`,
  );
  process.exit(1);
}
const results = await pool(runnable, runBlock);
for (const [i, block] of runnable.entries()) {
  const r = results[i];
  if (r.ok) console.log(`✓ ${block.where} (${r.seconds.toFixed(1)} s)`);
  else failures.push({ where: block.where, error: r.error });
}

// 3. The cheap commands.
const readmeTexts = new Map(readmes().map((r) => [r.rel, r.text]));
const commandResults = await pool(commands, runCommand);
for (const [i, c] of commands.entries()) {
  const r = commandResults[i];
  if (r.ok) console.log(`✓ ${c.readme}: \`${c.command}\` (${r.seconds.toFixed(1)} s)`);
  else failures.push({ where: `${c.readme}${r.line ? `:${r.line}` : ''}: \`${c.command}\``, error: r.error });
}

cleanup();
for (const f of failures) console.error(`✗ ${f.where}: ${f.error}`);
const typeOnly = blocks.filter((b) => b.reason !== undefined);
const reasons = [...new Set(typeOnly.map((b) => b.reason))];
console.log(
  `README examples: ${runnable.length} ran, ${typeOnly.length} type-checked only` +
    (reasons.length > 0 ? ` (${typeOnly.map((b) => `${b.where}: ${b.reason}`).join('; ')})` : '') +
    `; README commands: ${commands.length} ran (${commands.map((c) => c.command).join(', ')}); ` +
    `${failures.length === 0 ? 'all passed' : `${failures.length} failed`}`,
);
process.exit(failures.length === 0 ? 0 : 1);

/** Workspace packages the blocks import whose dist is missing. */
function missingBuilds() {
  const missing = [];
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, group))) {
      const dir = join(root, group, name);
      const pkg = JSON.parse(readFileSyncSafe(join(dir, 'package.json')) ?? '{}');
      if (pkg.scripts?.build === undefined || group === 'apps') continue;
      const used = blocks.some((b) => b.code.includes(`'${pkg.name}'`) || b.code.includes(`'${pkg.name}/`));
      if (used && !existsSync(join(dir, 'dist'))) missing.push(pkg.name);
    }
  }
  return missing;
}

function readFileSyncSafe(path) {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

async function runBlock(block) {
  const cwd = mkdtempSync(join(tmpdir(), 'readme-example-'));
  try {
    let args = [];
    for (const directive of block.directives) {
      const copy = /^(\S+) from (\S+)$/.exec(directive);
      const run = /^run with (.*)$/.exec(directive);
      if (copy) {
        // `DIR from FOLDER/*.ext` copies the matching files of FOLDER into DIR.
        const glob = /^(.*)\/([^/]*\*[^/]*)$/.exec(copy[2]);
        const sources = glob
          ? readdirSync(join(root, glob[1]))
              .filter((f) => new RegExp(`^${glob[2].split('*').map(escapeRegExp).join('.*')}$`).test(f))
              .map((f) => [join(root, glob[1], f), join(cwd, copy[1], f)])
          : [[join(root, copy[2]), join(cwd, copy[1])]];
        if (sources.length === 0 || !existsSync(sources[0][0])) {
          return { ok: false, error: `readme-example: ${copy[2]} does not exist` };
        }
        for (const [from, to] of sources) {
          mkdirSync(dirname(to), { recursive: true });
          cpSync(from, to, { recursive: true });
        }
      } else if (run) args = run[1].split(/\s+/).filter(Boolean);
      else return { ok: false, error: `unknown readme-example directive "${directive}"` };
    }
    const js = ts.transpileModule(block.source, {
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        verbatimModuleSyntax: true,
      },
    }).outputText;
    const file = block.file.replace(/\.mts$/, '.mjs');
    writeFileSync(file, js);
    return await runProcess(process.execPath, [file, ...args], { cwd }, TIME_LIMIT_S, block);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

async function runCommand(c) {
  const text = readmeTexts.get(c.readme) ?? '';
  const index = text.split('\n').findIndex((l) => l.includes(c.command));
  if (index < 0)
    return {
      ok: false,
      error: `no longer in ${c.readme}: update COMMANDS in scripts/check-readme-examples.mjs`,
    };
  const r = await runProcess('bash', ['-c', c.command], { cwd: root }, COMMAND_TIME_LIMIT_S);
  return { ...r, line: index + 1 };
}

/** Runs a process within `limitS`; on failure, the tail of its output with README line numbers. */
function runProcess(command, args, options, limitS, block) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      ...options,
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, limitS * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      if (code === 0 && !timedOut) return resolve({ ok: true, seconds });
      const why = timedOut ? `took more than ${limitS} s` : `exit code ${code ?? signal}`;
      resolve({ ok: false, seconds, error: `${why}\n${tail(output, block)}` });
    });
  });
}

/** The last lines of a process' output, long lines cut (a minified bundle's line can be 50 KB). */
function tail(output, block) {
  let lines = output.trimEnd().split('\n').slice(-25);
  if (block) {
    // Stack frames in the generated file point at README lines: the header line shifts by one.
    const file = block.file.replace(/\.mts$/, '.mjs');
    lines = lines.map((l) =>
      l.replaceAll(
        new RegExp(`file://${escapeRegExp(file)}:(\\d+)|${escapeRegExp(file)}:(\\d+)`, 'g'),
        (_, a, b) => {
          return `${block.where.replace(/:\d+$/, '')}:${block.line + Number(a ?? b) - 1}`;
        },
      ),
    );
  }
  return lines.map((l) => `    ${l.length > 400 ? `${l.slice(0, 400)} …` : l}`).join('\n');
}

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function pool(items, run) {
  const results = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(2, availableParallelism(), items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i]);
    }
  });
  await Promise.all(workers);
  return results;
}
