import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The outcome of loading an optional package. */
export type OptionalModule<M> =
  | { readonly status: 'loaded'; readonly module: M; readonly path: string }
  | { readonly status: 'not-installed'; readonly message: string }
  | { readonly status: 'load-failed'; readonly message: string };

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Resolves `specifier` from this package (where pnpm links optional peers), then from
 * the working directory (a hoisting app), and loads it with `require`. TF.js' Node
 * packages are CommonJS; `require` keeps one module instance with the application's
 * own `require`/`import` of them. Resolution and loading are told apart, so a missing
 * package reads `not-installed` while a present package whose native addon or shared
 * libraries fail reads `load-failed` with the loader's message.
 */
export function loadOptionalModule<M>(specifier: string): OptionalModule<M> {
  const requirers = [createRequire(import.meta.url), createRequire(join(process.cwd(), 'noop.js'))];
  let resolved: { path: string; require: NodeJS.Require } | null = null;
  let lastError = '';
  for (const req of requirers) {
    try {
      resolved = { path: req.resolve(specifier), require: req };
      break;
    } catch (e) {
      lastError = errorMessage(e);
    }
  }
  if (resolved === null) {
    return {
      status: 'not-installed',
      message: `${specifier} does not resolve (${lastError.split('\n')[0]})`,
    };
  }
  try {
    return { status: 'loaded', module: resolved.require(resolved.path) as M, path: resolved.path };
  } catch (e) {
    return { status: 'load-failed', message: errorMessage(e).split('\n')[0] ?? '' };
  }
}
