#!/usr/bin/env node
// Runs every workspace package's tests through turbo, then adds up their vitest JSON reports
// and prints one closing line ("N passed, N failed, N skipped"). Exits non-zero when turbo
// failed (a build or a whole test file broke), when a test failed, or when no test ran.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const reports = [];
for (const group of ['packages', 'apps']) {
  const dir = join(root, group);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir))
    reports.push([`${group}/${name}`, join(dir, name, 'test-results.json')]);
}
// Stale reports from an earlier run must not count.
for (const [, file] of reports) rmSync(file, { force: true });

const turbo = spawnSync('pnpm', ['exec', 'turbo', 'run', 'test', '--continue', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});

let passed = 0;
let failed = 0;
let skipped = 0;
// CI keeps only the tail of a run's output: the failures are repeated here, last, with why.
const failures = [];
const excerpt = (text) => {
  const lines = stripVTControlCharacters(text)
    .split('\n')
    .filter((line) => !line.includes('node_modules') && !line.includes('(<anonymous>)'))
    .slice(0, 12)
    .join('\n    ');
  return lines.length > 1500 ? `${lines.slice(0, 1500)} …` : lines;
};
console.log('\nTest summary');
for (const [name, file] of reports) {
  if (!existsSync(file)) continue;
  const r = JSON.parse(readFileSync(file, 'utf8'));
  let fileFailures = 0;
  for (const suite of r.testResults ?? []) {
    const where = `${name}/${suite.name?.split(`${name}/`).pop() ?? ''}`;
    const tests = (suite.assertionResults ?? []).filter((t) => t.status === 'failed');
    for (const t of tests)
      failures.push(`${where} > ${t.fullName}\n    ${excerpt((t.failureMessages ?? []).join('\n'))}`);
    // A file that failed to load (or a failing hook) counts once.
    if (tests.length === 0 && suite.status === 'failed') {
      fileFailures++;
      failures.push(`${where}\n    ${excerpt(suite.message ?? 'failed without a message')}`);
    }
  }
  const p = r.numPassedTests ?? 0;
  const f = (r.numFailedTests ?? 0) + fileFailures;
  const s = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`  ${name}: ${p} passed, ${f} failed, ${s} skipped`);
  passed += p;
  failed += f;
  skipped += s;
}
if (turbo.status !== 0 && failed === 0) failed = 1; // a package failed before its tests could report
if (failures.length > 0) console.log(`\nFailed:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(turbo.status !== 0 || failed > 0 || passed === 0 ? 1 : 0);
