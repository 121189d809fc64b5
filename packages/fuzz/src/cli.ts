import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kebab, type OptionSpec, type OptionValues, resolveOptions, UsageError } from '@convlstm/cli';
import fc from 'fast-check';
import { fuzzReader, type TargetStats } from './index.js';

/** Values a user (or a script gone wrong) types after a flag. */
const rawValue = fc.oneof(
  fc.constantFrom(
    '0',
    '-1',
    '1',
    '1e309',
    '-0',
    'NaN',
    'Infinity',
    '9007199254740993',
    '1000000',
    '1e-400',
    '',
    ' ',
    'true',
    'false',
    '0x10',
    '1_000',
    '--',
    '-',
    '=',
    '/proc/x',
    '../..',
    'auto',
  ),
  fc.string({ maxLength: 12 }),
  fc.integer().map(String),
  fc.double().map(String),
);

/** A value of the kind `spec` declares, near its edges: most of these must be accepted. */
function plausible(spec: OptionSpec): fc.Arbitrary<string | number | boolean> {
  const kind = spec.kind;
  switch (kind.type) {
    case 'boolean':
      return fc.boolean();
    case 'string':
      return fc.string({ minLength: 1, maxLength: 12 });
    case 'enum':
      return fc.constantFrom(...kind.values());
    case 'int':
      return fc.integer({ min: (kind.min ?? -3) - 1, max: 100_000 });
    case 'number':
      return fc.oneof(fc.double({ min: -1, max: 1e6, noNaN: true }), fc.constantFrom(0, 1e-300, 5e-324));
  }
}

/** One command line for `specs`: known flags (exact, misspelt, kebab or camel), values, stray words. */
export function commandLine(specs: readonly OptionSpec[]): fc.Arbitrary<string[]> {
  const names = specs.map((s) => kebab(s.key));
  const flag = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...names).map((n) => `--${n}`) },
    { weight: 1, arbitrary: fc.constantFrom(...specs.map((s) => `--${s.key}`)) },
    { weight: 1, arbitrary: fc.constantFrom('--help', '-h', '--', '--=', '-x', '---steps') },
    { weight: 1, arbitrary: fc.string({ maxLength: 10 }).map((s) => `--${s}`) },
  );
  const word = fc.oneof(
    { weight: 3, arbitrary: flag },
    { weight: 3, arbitrary: rawValue },
    { weight: 2, arbitrary: fc.tuple(flag, rawValue).map(([f, v]) => `${f}=${v}`) },
    {
      weight: 4,
      arbitrary: fc
        .constantFrom(...specs)
        .chain((spec) => plausible(spec).map((v) => `--${kebab(spec.key)}=${v}`)),
    },
  );
  return fc.array(word, { maxLength: 12 });
}

/** Whether `value` is one `spec` allows: a parser must never hand a command anything else. */
function fitsSpec(spec: OptionSpec, value: unknown): boolean {
  const kind = spec.kind;
  switch (kind.type) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string' && value.length > 0;
    case 'enum':
      return typeof value === 'string' && kind.values().includes(value);
    case 'int':
      return Number.isSafeInteger(value) && (value as number) >= (kind.min ?? Number.NEGATIVE_INFINITY);
    case 'number':
      return Number.isFinite(value) && (!kind.positive || (value as number) > 0);
  }
}

function checkValues(specs: readonly OptionSpec[], defaults: OptionValues, values: OptionValues): void {
  const byKey = new Map(specs.map((s) => [s.key, s]));
  for (const [key, value] of Object.entries(values)) {
    const spec = byKey.get(key);
    if (spec === undefined) {
      if (key in defaults) continue;
      throw new Error(`accepted an option no spec declares: ${key}=${JSON.stringify(value)}`);
    }
    if (!fitsSpec(spec, value) && defaults[key] !== value)
      throw new Error(`accepted --${kebab(key)} ${JSON.stringify(value)}, which its spec refuses`);
  }
}

/**
 * `resolveOptions(args, specs, defaults)` on random command lines, and on random `--config`
 * files (random JSON objects of the known keys, random bytes): it resolves to values every spec
 * allows, or throws a `UsageError`; never another exception.
 */
export async function fuzzCommandLine(options: {
  command: string;
  specs: readonly OptionSpec[];
  defaults: OptionValues;
  runs: number;
}): Promise<TargetStats[]> {
  const { command, specs, defaults, runs } = options;
  const stats: TargetStats[] = [];
  stats.push(
    await fuzzReader({
      target: `${command}: command line`,
      input: commandLine(specs).map((args) => ({ args, how: JSON.stringify(args) })),
      read: async ({ args }) => {
        const parsed = await resolveOptions(args, specs, defaults);
        if (!parsed.help) checkValues(specs, defaults, parsed.values);
      },
      allowed: [UsageError],
      runs,
    }),
  );
  // Only commands with a --config option read config files.
  if (!specs.some((s) => s.key === 'config')) return stats;
  const dir = mkdtempSync(join(tmpdir(), 'convlstm-fuzz-'));
  try {
    const keys = specs.filter((s) => !s.cliOnly).map((s) => s.key);
    const jsonValue = fc.oneof(rawValue, fc.jsonValue({ maxDepth: 1 }));
    const allowed = specs.filter((s) => !s.cliOnly);
    const content = fc.oneof(
      {
        weight: 3,
        arbitrary: fc
          .uniqueArray(fc.constantFrom(...allowed), { maxLength: 6, selector: (s) => s.key })
          .chain((chosen) =>
            fc
              .tuple(
                ...chosen.map((s) =>
                  fc.oneof({ weight: 3, arbitrary: plausible(s) }, { weight: 1, arbitrary: jsonValue }),
                ),
              )
              .map((values) => JSON.stringify(Object.fromEntries(chosen.map((s, i) => [s.key, values[i]])))),
          ),
      },
      fc
        .dictionary(
          fc.oneof(fc.constantFrom(...keys), fc.constantFrom(...keys.map(kebab)), fc.string()),
          jsonValue,
          {
            maxKeys: 6,
          },
        )
        .map((o) => JSON.stringify(o)),
      fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
      fc.string({ maxLength: 40 }),
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('latin1')),
    );
    let n = 0;
    stats.push(
      await fuzzReader({
        target: `${command}: --config file`,
        input: fc
          .tuple(content, fc.oneof(fc.constant([]), commandLine(specs)))
          .map(([text, rest]) => ({ text, rest, how: text.slice(0, 200) })),
        read: async ({ text, rest }) => {
          const path = join(dir, `config-${n++}.json`);
          writeFileSync(path, text, 'latin1');
          const parsed = await resolveOptions(['--config', path, ...rest], specs, defaults);
          if (!parsed.help) checkValues(specs, defaults, parsed.values);
        },
        allowed: [UsageError],
        runs,
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return stats;
}
