#!/usr/bin/env node
// Checks that the names the READMEs cite exist: presets (@convlstm/train's PRESETS, read from the
// built package), pnpm scripts, repository paths, bench contenders (the committed bench results),
// option keys (`key: value` in backticks: a property of some public type of a built package) and
// code identifiers in backticks (camelCase or inner-capital names: somewhere in the packages'
// public types, their source code outside comments and tests, or TF.js' types).
// A name a README cites on purpose although the code no longer has it (history), or a name of
// another tool (e.g. a bundler's option), is listed in a `<!-- readme-names: historical NAME -->`
// or `<!-- readme-names: external NAME -->` comment of that README.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { fencedBlocks, proseLines, readmes, root } from './readme-blocks.mjs';

const failures = [];
const fail = (where, message) => failures.push(`✗ ${where}: ${message}`);

// --- What exists -----------------------------------------------------------------------------

const trainDist = join(root, 'packages/train/dist/index.js');
if (!existsSync(trainDist)) {
  console.error('README names are checked against the built packages: run `pnpm build` first.');
  process.exit(1);
}
const { PRESETS } = await import(pathToFileURL(trainDist).href);
const presets = new Set(Object.keys(PRESETS));

const packageDirs = ['packages', 'apps'].flatMap((g) =>
  readdirSync(join(root, g))
    .map((n) => join(root, g, n))
    .filter((d) => existsSync(join(d, 'package.json'))),
);
const packageJson = (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const scriptsByPackage = new Map(packageDirs.map((d) => [packageJson(d).name, packageJson(d).scripts ?? {}]));
const rootScripts = packageJson(root).scripts ?? {};
// Python modules the READMEs cite APIs of (`keras.distribution.DataParallel`).
const PYTHON_MODULES = new Set(['keras', 'torch', 'safetensors', 'numpy', 'np', 'h5py']);
// pnpm's own commands, which are not scripts.
const PNPM_COMMANDS = new Set([
  'add',
  'install',
  'i',
  'why',
  'exec',
  'dlx',
  'remove',
  'update',
  'pack',
  'publish',
  'list',
  'ls',
]);

// Bench contenders: every name in the committed bench results, plus `core:checkpointK` (K depends on the shape).
const contenders = new Set(['core:checkpointK']);
const resultsDir = join(root, 'apps/bench/results');
for (const f of existsSync(resultsDir) ? readdirSync(resultsDir) : []) {
  if (!f.endsWith('.json')) continue;
  const report = JSON.parse(readFileSync(join(resultsDir, f), 'utf8'));
  for (const b of report.backends) for (const r of b.results) contenders.add(r.contender);
}
// Contenders only the browser runs (the web demo's bench page adds them).
for (const m of readIf(join(root, 'apps/web-demo/src/bench-page.ts')).matchAll(/name: '([\w:-]+)'/g))
  contenders.add(m[1]);

// Declared properties of the built packages' public types, and every identifier or identifier-like
// string of the code (comments and tests excluded) and of TF.js' types.
const properties = new Set();
const identifiers = new Set();
// Names in WebAssembly text, WGSL and the Python fixture scripts: they count as existing, but a
// dotted chain starting with one (`keras.layers…`) is another library's API.
const otherCode = new Set();
for (const dir of packageDirs) {
  for (const file of walk(join(dir, 'dist'), (f) => f.endsWith('.d.ts'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^|[;{(,]|\s)(?:readonly\s+)?(\w+)\??:/gm)) properties.add(m[1]);
    scan(text, identifiers);
  }
  for (const sub of ['src', 'scripts']) {
    for (const file of walk(join(dir, sub), (f) => /\.(m?[jt]s|tsx)$/.test(f) && !/\.test\./.test(f))) {
      scan(readFileSync(file, 'utf8'), identifiers);
    }
    for (const file of walk(join(dir, sub), (f) => /\.(wat|wgsl|py)$/.test(f))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\w+/g)) otherCode.add(m[0]);
    }
  }
}
for (const file of walk(join(root, 'scripts'), (f) => f.endsWith('.mjs')))
  scan(readFileSync(file, 'utf8'), identifiers);
// Keys of the workspace's configuration files (pnpm-workspace.yaml's `ignoredBuiltDependencies`, …).
for (const file of [
  'pnpm-workspace.yaml',
  'package.json',
  'turbo.json',
  'biome.json',
  'tsconfig.base.json',
]) {
  for (const m of readIf(join(root, file)).matchAll(/\w+/g)) identifiers.add(m[0]);
}
for (const pkg of [
  'tfjs-core',
  'tfjs-layers',
  'tfjs-converter',
  'tfjs-backend-wasm',
  'tfjs-backend-webgpu',
]) {
  const dir = join(root, 'packages/core/node_modules/@tensorflow', pkg, 'dist');
  const alt = join(root, 'packages/layers/node_modules/@tensorflow', pkg, 'dist');
  const alt2 = join(root, 'packages/backend-webgpu/node_modules/@tensorflow', pkg, 'dist');
  const found = [dir, alt, alt2].find((d) => existsSync(d));
  if (found)
    for (const file of walk(found, (f) => f.endsWith('.d.ts'))) scan(readFileSync(file, 'utf8'), identifiers);
}

// --- What the READMEs cite -------------------------------------------------------------------

const ignoredDirs = new Set([
  'runs',
  'dist',
  'node_modules',
  '.cache',
  'bench-results',
  'test-artifacts',
  'data',
]);
let checked = 0;
for (const readme of readmes()) {
  const historical = new Set(
    [...readme.text.matchAll(/<!--\s*readme-names:\s*(?:historical|external)\s+(.*?)\s*-->/g)].flatMap((m) =>
      m[1].split(/[\s,]+/).filter(Boolean),
    ),
  );
  const lines = proseLines(readme.text);
  // Shell blocks count for pnpm scripts and paths.
  for (const block of fencedBlocks(readme.text)) {
    if (block.lang !== 'sh') continue;
    for (const [i, text] of block.code.split('\n').entries())
      lines.push({ line: block.line + 1 + i, text, shell: true });
  }
  for (const { line, text, shell } of lines) {
    const where = `${readme.rel}:${line}`;
    const spans = shell ? [text.replace(/#.*$/, '')] : [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) checkLink(where, readme, m[1]);
    for (const span of spans) {
      checked++;
      checkPnpm(where, span);
      if (shell) continue;
      checkPath(where, readme, span);
      if (/^(paper|cpu|browser)-[\w-]+$/.test(span) && !presets.has(span)) {
        fail(where, `preset \`${span}\` is not in @convlstm/train's PRESETS (${[...presets].join(', ')})`);
      }
      for (const p of span.matchAll(/PRESETS\[['"]([^'"]+)['"]\]|--preset[ =]([a-z0-9][\w-]*)/g)) {
        const name = p[1] ?? p[2];
        if (!presets.has(name)) fail(where, `preset "${name}" is not in @convlstm/train's PRESETS`);
      }
      const contender =
        /^(core|plain):[\w-]+$/.test(span) ||
        (readme.rel.includes('bench') && /^(plain|tfjs-layers)$/.test(span));
      if (contender && !contenders.has(span)) {
        fail(
          where,
          `bench contender \`${span}\` is not in the bench's results (${[...contenders].join(', ')})`,
        );
      }
      // `key: value` and `{ key: value }`: an option key.
      const option = /^\{?\s*([a-z]\w*)\??: \S/.exec(span);
      if (option && !properties.has(option[1]) && !historical.has(option[1])) {
        fail(where, `option \`${option[1]}\` is not a property of any public type of the packages`);
      }
      // A code identifier: camelCase or PascalCase with an inner capital, alone or in a dotted chain.
      const chain = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*(\(.*\))?$/.exec(span);
      const parts = span.replace(/\(.*\)$/, '').split('.');
      // A dotted name of another library (`keras.distribution.DataParallel`) is not ours to check.
      if (chain && (parts.length === 1 || (identifiers.has(parts[0]) && !PYTHON_MODULES.has(parts[0])))) {
        for (const part of parts) {
          if (!/^[a-z][a-z0-9]*[A-Z]\w*$|^[A-Z][a-z0-9]+[A-Z]\w*$/.test(part)) continue;
          if (!identifiers.has(part) && !otherCode.has(part) && !historical.has(part)) {
            fail(
              where,
              `\`${part}\` is not a name in the packages' code or TF.js (stale? or list it as historical)`,
            );
          }
        }
      }
    }
  }
}

for (const f of failures) console.error(f);
console.log(
  `README names: ${checked} code spans and commands checked; ${failures.length === 0 ? 'all exist' : `${failures.length} not found`}`,
);
process.exit(failures.length === 0 ? 0 : 1);

// --- Helpers ---------------------------------------------------------------------------------

function checkPnpm(where, span) {
  for (const m of span.matchAll(
    /(?:^|&&\s*|;\s*|\s)pnpm\s+((?:--filter[ =]\S+|-F\s+\S+|-C\s+\S+)\s+)?(?:run\s+)?([\w:.-]+)/g,
  )) {
    const filter = /(?:--filter[ =]|-F\s+)(\S+)/.exec(m[1] ?? '')?.[1];
    const script = m[2];
    if (script.startsWith('-') || PNPM_COMMANDS.has(script)) continue;
    if (filter) {
      const name = filter.replace(/\.\.\.$/, '').replace(/^\.\.\./, '');
      const scripts = scriptsByPackage.get(name);
      if (scripts === undefined) fail(where, `\`pnpm --filter ${filter}\`: no workspace package ${name}`);
      else if (!(script in scripts))
        fail(where, `\`pnpm --filter ${filter} ${script}\`: ${name} has no script "${script}"`);
    } else if (!(script in rootScripts)) {
      fail(where, `\`pnpm ${script}\`: the root package.json has no script "${script}"`);
    }
  }
}

function checkPath(where, readme, span) {
  const m = /^(\.?[\w@-]+(?:\/[\w@.+-]+)+\/?)(?:#[\w-]*|:\d+)?$/.exec(span);
  if (!m) return;
  const path = m[1];
  const top = path.split('/')[0];
  const fromRoot = ['apps', 'packages', 'scripts', 'docs', 'tools', '.ci', '.changeset'].includes(top);
  const fromPackage =
    readme.dir !== root &&
    ['src', 'test', 'scripts', 'fixtures', 'examples', 'models', 'public', 'docs'].includes(top);
  if (!fromRoot && !fromPackage) return;
  if (path.split('/').some((s) => ignoredDirs.has(s))) return;
  // A package README may name another package's file by that package's own path.
  const candidates = [readme.dir, root, ...(fromPackage ? packageDirs : [])].map((d) => join(d, path));
  if (!candidates.some((c) => existsSync(c))) fail(where, `path \`${path}\` does not exist`);
}

function checkLink(where, readme, target) {
  if (/^(https?:|mailto:|#)/.test(target)) return;
  // A published package's README is read on npm, where a relative link has nothing to point at
  // (the release check refuses the tarball; this says so in seconds).
  if (published(readme.dir)) fail(where, `relative link ${target} breaks on npm: use the repository URL`);
  const path = target.replace(/#.*$/, '');
  if (path === '' || path.split('/').some((s) => ignoredDirs.has(s))) return;
  const resolved = join(readme.dir, path);
  if (!existsSync(resolved))
    fail(where, `link target ${target} does not exist (${relative(root, resolved)})`);
}

function published(dir) {
  const file = join(dir, 'package.json');
  return relative(root, dir).startsWith('packages/') && existsSync(file) && !packageJson(dir).private;
}

/** Identifiers and identifier-like string literals of a source text; comments skipped. */
function scan(text, into) {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.Identifier) into.add(scanner.getTokenValue());
    else if (kind === ts.SyntaxKind.StringLiteral || kind === ts.SyntaxKind.NoSubstitutionTemplateLiteral) {
      const value = scanner.getTokenValue();
      if (/^[\w$]+$/.test(value)) into.add(value);
    }
  }
}

function walk(dir, keep, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, keep, out);
    else if (keep(path)) out.push(path);
  }
  return out;
}

function readIf(path) {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}
