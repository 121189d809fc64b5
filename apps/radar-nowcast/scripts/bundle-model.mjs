// Makes a run folder the bundled model: copies RUN's run.json and metrics.csv, its training log
// (LOG, the console output of the run), metrics.json and summary.md (RUN's own, or those of
// EVALUATION, an `evaluate --run RUN` folder, when given) and its newest whole checkpoint as
// weights only (no optimiser state) into models/bundled/, replacing what was there (the folder's
// hand-written README.md stays). The run's own paths are kept in run.json;
// `evaluate --run models/bundled --data DIR` re-verifies it from any sample folder.
// Run from apps/radar-nowcast after "pnpm build": node scripts/bundle-model.mjs RUN LOG [EVALUATION]
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useNodeBackend } from '@convlstm/backend-node';
import { loadCheckpoint, saveCheckpoint } from '@convlstm/train/node';
import { findResumeCheckpoint } from '@convlstm/train-runner';

const [run, log, evaluation = run] = process.argv.slice(2);
if (!run || !log || !existsSync(join(evaluation, 'metrics.json')) || !existsSync(log)) {
  console.error(
    'usage: node scripts/bundle-model.mjs RUN LOG [EVALUATION] (an evaluated run folder, its console log, its evaluation folder)',
  );
  process.exit(2);
}
const out = 'models/bundled';
mkdirSync(out, { recursive: true });
for (const entry of readdirSync(out))
  if (entry !== 'README.md') rmSync(join(out, entry), { recursive: true, force: true });
for (const file of ['run.json', 'metrics.csv']) copyFileSync(join(run, file), join(out, file));
for (const file of ['metrics.json', 'summary.md']) copyFileSync(join(evaluation, file), join(out, file));
// The log as the console showed it: progress lines redrawn with \r keep their last state.
const text = readFileSync(log, 'utf8')
  .split('\n')
  .map((line) => line.split('\r').filter(Boolean).at(-1) ?? '')
  .join('\n');
writeFileSync(join(out, 'train.log'), text);
await useNodeBackend({});
const found = await findResumeCheckpoint(run, { final: 'checkpoint', periodic: 'checkpoints' });
const { model } = await loadCheckpoint(found.path, { trainingState: false });
// saveCheckpoint writes a versioned folder; the bundle keeps its files flat (a stable path in git).
const scratch = mkdtempSync(join(tmpdir(), 'bundle-'));
const version = await saveCheckpoint(scratch, model);
model.dispose();
mkdirSync(join(out, 'checkpoint'));
for (const file of readdirSync(version)) copyFileSync(join(version, file), join(out, 'checkpoint', file));
rmSync(scratch, { recursive: true, force: true });
console.log(
  `${out}: ${found.path} (step ${found.step}) as weights only, with run.json, metrics.json, summary.md, metrics.csv, train.log`,
);
