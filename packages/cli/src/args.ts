import { readFile } from 'node:fs/promises';
import { UsageError } from './errors.js';

/** What values an option takes. */
export type OptionKind =
  | { readonly type: 'int'; readonly min?: number }
  | { readonly type: 'number'; readonly positive?: boolean }
  | { readonly type: 'enum'; readonly values: () => readonly string[] }
  | { readonly type: 'string' }
  | { readonly type: 'boolean' };

/** One option of a command: a camelCase key in config files, a kebab-case `--flag` on the command line. */
export interface OptionSpec {
  readonly key: string;
  readonly kind: OptionKind;
  readonly description: string;
  /** Shown in `--help`. */
  readonly defaultText?: string;
  /** Only on the command line (e.g. `--config` itself). */
  readonly cliOnly?: boolean;
  /** Shown in usage as the value placeholder. */
  readonly placeholder?: string;
}

/** Parsed option values by camelCase key. */
export type OptionValues = Record<string, string | number | boolean>;

export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Levenshtein distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

/** " (did you mean X?)" for a near miss among `candidates`, else "". */
export function suggestion(name: string, candidates: readonly string[], prefix = ''): string {
  const best = candidates
    .map((c) => ({ c, d: distance(name.toLowerCase(), c.toLowerCase()) }))
    .sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(name.length / 3))
    ? ` (did you mean "${prefix}${best.c}"?)`
    : '';
}

/**
 * Converts and checks one value. `raw` is a string from the command line or any JSON value
 * from a config file; `where` names the source for the error ("--steps", "run.json: steps").
 */
export function parseValue(spec: OptionSpec, raw: unknown, where: string): string | number | boolean {
  const kind = spec.kind;
  const shown = typeof raw === 'string' ? `"${raw}"` : JSON.stringify(raw);
  const fail = (expected: string): never => {
    throw new UsageError(`${where}: expected ${expected}, got ${shown}`);
  };
  switch (kind.type) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      return fail('true or false');
    case 'string':
      if (typeof raw === 'string' && raw.length > 0) return raw;
      return fail('a non-empty string');
    case 'enum': {
      const values = kind.values();
      if (typeof raw === 'string' && values.includes(raw)) return raw;
      return fail(`one of ${values.join(', ')}`);
    }
    case 'int': {
      const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      const min = kind.min ?? Number.NEGATIVE_INFINITY;
      const expected = kind.min === undefined ? 'an integer' : `an integer >= ${kind.min}`;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) return fail(expected);
      return n;
    }
    case 'number': {
      const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      const expected = kind.positive ? 'a number > 0' : 'a finite number';
      if (typeof n !== 'number' || !Number.isFinite(n) || (kind.positive && n <= 0)) return fail(expected);
      return n;
    }
  }
}

/** Result of {@link parseArgs}. */
export interface ParsedArgs {
  readonly values: OptionValues;
  readonly help: boolean;
}

/**
 * Parses `--flag value`, `--flag=value` and bare boolean `--flag` arguments against `specs`.
 * Unknown flags, missing values and positional arguments are {@link UsageError}s.
 */
export function parseArgs(args: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const byFlag = new Map(specs.map((s) => [kebab(s.key), s]));
  const values: OptionValues = {};
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      throw new UsageError(`unexpected argument "${arg}" (options are written --name value)`);
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = byFlag.get(name) ?? byFlag.get(kebab(camel(name)));
    if (spec === undefined) {
      throw new UsageError(`unknown option --${name}${suggestion(name, [...byFlag.keys()], '--')}`);
    }
    let raw: string;
    if (eq !== -1) raw = arg.slice(eq + 1);
    else if (spec.kind.type === 'boolean' && (args[i + 1] === undefined || args[i + 1]?.startsWith('--')))
      raw = 'true';
    else {
      const next = args[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new UsageError(`--${name}: missing value`);
      }
      raw = next;
      i++;
    }
    values[spec.key] = parseValue(spec, raw, `--${name}`);
  }
  return { values, help };
}

/**
 * Reads a JSON config file: an object whose keys are option keys (camelCase; kebab-case
 * is accepted too). Errors name the file and the key.
 */
export async function readConfigFile(path: string, specs: readonly OptionSpec[]): Promise<OptionValues> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `${path}: cannot read config file (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UsageError(
      `${path}: expected a JSON object of options, got ${Array.isArray(json) ? 'an array' : typeof json}`,
    );
  }
  const allowed = specs.filter((s) => !s.cliOnly);
  const byKey = new Map(allowed.map((s) => [s.key, s]));
  const values: OptionValues = {};
  for (const [key, raw] of Object.entries(json)) {
    const spec = byKey.get(key) ?? byKey.get(camel(key));
    if (spec === undefined) {
      const known = allowed.map((s) => s.key);
      throw new UsageError(
        `${path}: unknown key "${key}"${suggestion(key, known)}; known keys: ${known.join(', ')}`,
      );
    }
    values[spec.key] = parseValue(spec, raw, `${path}: ${key}`);
  }
  return values;
}

/**
 * Merges defaults < config file < command line. `--config FILE` is read first, so every
 * command-line flag overrides the file whatever its position.
 */
export async function resolveOptions(
  args: readonly string[],
  specs: readonly OptionSpec[],
  defaults: OptionValues,
): Promise<ParsedArgs> {
  const cli = parseArgs(args, specs);
  if (cli.help) return cli;
  const configPath = cli.values.config;
  const file = typeof configPath === 'string' ? await readConfigFile(configPath, specs) : {};
  const values: OptionValues = { ...defaults, ...file, ...cli.values };
  delete values.config;
  return { values, help: false };
}

/** The options block of a command's `--help`. */
export function formatOptions(specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => {
    // Short choice lists read best inline (auto|cpu); long ones go into the description.
    const choices = s.kind.type === 'enum' ? s.kind.values().join('|') : '';
    const inline = choices.length > 0 && choices.length <= 40;
    const placeholder =
      s.kind.type === 'boolean'
        ? ''
        : ` ${s.placeholder ?? (inline ? choices : s.kind.type === 'enum' ? 'NAME' : s.kind.type === 'string' ? 'VALUE' : 'N')}`;
    const listed = choices.length > 0 && !inline ? `; one of ${choices.split('|').join(', ')}` : '';
    const def = s.defaultText === undefined ? '' : ` (default: ${s.defaultText})`;
    return { left: `--${kebab(s.key)}${placeholder}`, right: `${s.description}${listed}${def}` };
  });
  const width = Math.min(34, Math.max(...rows.map((r) => r.left.length)) + 2);
  return rows
    .map((r) =>
      r.left.length + 2 > width
        ? `  ${r.left}\n  ${' '.repeat(width)}${r.right}`
        : `  ${r.left.padEnd(width)}${r.right}`,
    )
    .join('\n');
}
