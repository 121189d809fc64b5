#!/usr/bin/env node
// The fuzzing suite at a large count: the same properties CI runs (packages/fuzz and the apps'
// test/fuzz-args.test.ts) with CONVLSTM_FUZZ_RUNS cases each, then a table of what each target
// tried and found. Usage: pnpm fuzz [--runs N] [--seed S]   (defaults: 1000 runs, the CI seed)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '1000' }, seed: { type: 'string' } },
});
const runs = Number(values.runs);
if (!Number.isSafeInteger(runs) || runs < 1) {
  console.error(`pnpm fuzz: --runs: expected a positive integer, got "${values.runs}"`);
  process.exit(2);
}
if (values.seed !== undefined && !/^[1-9][0-9]*$/.test(values.seed)) {
  console.error(`pnpm fuzz: --seed: expected a positive integer, got "${values.seed}"`);
  process.exit(2);
}

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'convlstm-fuzz-report-'));
const report = join(dir, 'report.jsonl');
const env = {
  ...process.env,
  CONVLSTM_FUZZ_RUNS: String(runs),
  CONVLSTM_FUZZ_REPORT: report,
  ...(values.seed === undefined ? {} : { CONVLSTM_FUZZ_SEED: values.seed }),
};
const suites = [
  ['packages/fuzz', []],
  ['apps/moving-mnist', ['test/fuzz-args.test.ts']],
  ['apps/radar-nowcast', ['test/fuzz-args.test.ts']],
];
const started = Date.now();
let status = 0;
for (const [where, files] of suites) {
  console.log(`\n== ${where}: ${runs} cases per property`);
  // No JSON report: these runs must not leave a test-results.json for scripts/test-summary.mjs.
  const r = spawnSync('pnpm', ['exec', 'vitest', 'run', ...files, '--reporter=dot'], {
    cwd: join(root, where),
    env,
    stdio: 'inherit',
  });
  status ||= r.status ?? 1;
}

const rows = existsSync(report)
  ? readFileSync(report, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l))
  : [];
rmSync(dir, { recursive: true, force: true });
const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
console.log(
  `\nFuzzing: seed ${rows[0]?.seed ?? '?'}, ${runs} cases per property, ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
let tried = 0;
let crashes = 0;
for (const r of rows) {
  const ran = r.accepted + r.refused + (r.failure ? 1 : 0);
  tried += ran;
  if (r.failure) crashes++;
  console.log(
    `  ${r.target}: ${ran} cases, ${r.accepted} accepted, ${r.refused} refused with the reader's error, largest allocation ${mb(r.largestAllocation)}, slowest ${r.slowestMs.toFixed(0)} ms${r.failure ? `\n    FOUND: ${r.failure.split('\n')[0]}` : ''}`,
  );
}
console.log(`${rows.length} properties, ${tried} cases, ${crashes} found a crash`);
process.exit(status);
