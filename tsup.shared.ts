import { defineConfig, type Options } from 'tsup';

/**
 * The build every published package shares: ESM + CJS + types per entry, and every
 * `@tensorflow/*` and `@convlstm/*` module kept external — a package never carries a copy of
 * TF.js or of a sibling (tfjs-core's registries are process-wide singletons). No source maps:
 * the packages ship their TypeScript sources (src/) for reading instead. A package passes its
 * entries and whatever differs (platform, extra externals).
 */
export function packageBuild(options: Options & { entry: Options['entry'] }) {
  const { external = [], ...rest } = options;
  return defineConfig({
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: false,
    clean: true,
    target: 'es2022',
    ...rest,
    external: [/^@tensorflow\//, /^@convlstm\//, ...external],
  });
}
