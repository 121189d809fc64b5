import { fileURLToPath } from 'node:url';

/**
 * The checkpoint `predict` uses when no `--checkpoint` is given: the model committed
 * with the app in `models/bundled/` (weights only). Resolved from this module, which sits one
 * folder below the app in both `src/` and the built `dist/`.
 */
export const BUNDLED_CHECKPOINT = fileURLToPath(new URL('../models/bundled/', import.meta.url));
