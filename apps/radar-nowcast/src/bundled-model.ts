import { fileURLToPath } from 'node:url';

/**
 * The run `nowcast` uses when no `--run` is given: the README experiment's Lagrangian model,
 * committed with the app in `models/bundled/` as a run folder (`run.json`, a weights-only
 * `checkpoint/`, `metrics.json` and the training log). Resolved from this module, which sits one
 * folder below the app in both `src/` and the built `dist/`.
 */
export const BUNDLED_RUN = fileURLToPath(new URL('../models/bundled/', import.meta.url));
