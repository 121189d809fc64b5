import {
  formatOptions,
  OperationalError,
  type OptionSpec,
  parseArgs,
  runCli,
  UsageError,
} from '@convlstm/cli';
import { ACTIVATIONS } from '@convlstm/core/internal';
import { InteropFormatError } from './errors.js';
import { DEFAULT_LIMITS, type ReadLimits } from './limits.js';
import { checkWritable, exists, fileFormat, outputFiles, readModelFile, writeModelFile } from './node.js';
import { describeStack } from './stack.js';

const PROGRAM = 'convlstm-convert';

const OPTIONS: readonly OptionSpec[] = [
  {
    key: 'in',
    kind: { type: 'string' },
    placeholder: 'FILE',
    description: 'input: .pt/.pth, .safetensors, .keras, .h5 or a TF.js model.json',
  },
  {
    key: 'out',
    kind: { type: 'string' },
    placeholder: 'FILE',
    description: 'output: .safetensors (PyTorch layout), .h5 (Keras .weights.h5) or .json (TF.js model)',
  },
  {
    key: 'prefix',
    kind: { type: 'string' },
    description: "key prefix of the ConvLSTM in the input's PyTorch module (e.g. encoder.)",
    defaultText: "''",
  },
  {
    key: 'outPrefix',
    kind: { type: 'string' },
    description: 'key prefix to write in a .safetensors output',
    defaultText: "''",
  },
  {
    key: 'recurrentActivation',
    kind: { type: 'enum', values: () => ACTIVATIONS },
    description: 'gate activation of a Keras .weights.h5 (it holds no config)',
    defaultText: 'sigmoid',
  },
  {
    key: 'allowPartial',
    kind: { type: 'boolean' },
    description:
      'convert the ConvLSTM layers even when the input has other weights (BatchNormalization, a head, ...); lists what is dropped',
  },
  {
    key: 'maxBytes',
    kind: { type: 'int', min: 1 },
    placeholder: 'N',
    description: 'largest weight data to decode and zip entry to inflate, in bytes (raise for huge models)',
    defaultText: String(DEFAULT_LIMITS.maxEntryBytes),
  },
  { key: 'force', kind: { type: 'boolean' }, description: 'replace existing output files' },
];

/** The read limits `--max-bytes N` sets: N bytes inflated per zip entry, N bytes of float32 weights. */
export function limitsForBytes(bytes: number): ReadLimits {
  const elements = Math.max(1, Math.floor(bytes / 4));
  return { maxEntryBytes: bytes, maxTensorElements: elements, maxTotalElements: elements };
}

const USAGE = `Usage: ${PROGRAM} --in FILE --out FILE [options]

Converts ConvLSTM weights between PyTorch (the notebook / ConvLSTM_pytorch module's
cell_list.{l}.conv.weight), Keras (ConvLSTM2D layers) and TF.js (@convlstm/layers). Prints the
layers it found; a bad input writes nothing.

Options:
${formatOptions(OPTIONS)}`;

/** Where the converter prints its report (`process.stdout` in the CLI). */
export interface Output {
  write(text: string): unknown;
}

/**
 * The `convlstm-convert` program on `argv` (without the program name): prints to `out`, throws
 * `UsageError` / `OperationalError` for `runCli` to report. Returns the exit code.
 */
export async function convert(argv: readonly string[], out: Output): Promise<number> {
  const { values, help } = parseArgs(argv, OPTIONS);
  if (help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  const input = values.in;
  const output = values.out;
  if (typeof input !== 'string' || typeof output !== 'string')
    throw new UsageError('--in and --out are required');
  if (fileFormat(input) === null)
    throw new UsageError(`--in ${input}: unknown extension (.pt, .pth, .safetensors, .keras, .h5, .json)`);
  const outFormat = fileFormat(output);
  if (outFormat === null || outFormat === 'pt' || outFormat === 'keras') {
    throw new UsageError(
      `--out ${output}: write .safetensors (PyTorch), .h5 (Keras weights) or .json (TF.js)`,
    );
  }
  const force = values.force === true;
  for (const target of outputFiles(output)) {
    if (!force && (await exists(target))) {
      throw new UsageError(`--out ${output}: ${target} exists; pass --force to replace it`);
    }
  }
  try {
    // Before the input is read: an output that cannot be written fails at once, not after the work.
    await checkWritable(output, force);
    const stack = await readModelFile(input, {
      ...(typeof values.prefix === 'string' ? { prefix: values.prefix } : {}),
      ...(typeof values.recurrentActivation === 'string'
        ? { recurrentActivation: values.recurrentActivation as (typeof ACTIVATIONS)[number] }
        : {}),
      ...(typeof values.maxBytes === 'number' ? { limits: limitsForBytes(values.maxBytes) } : {}),
      allowPartial: values.allowPartial === true,
    });
    out.write(`${input}: ${stack.layers.length} ConvLSTM layer${stack.layers.length === 1 ? '' : 's'}\n`);
    for (const line of describeStack(stack)) out.write(`  ${line}\n`);
    if (stack.dropped !== undefined) {
      out.write(`dropped (--allow-partial): ${stack.dropped.join(', ')}\n`);
    }
    await writeModelFile(stack, output, {
      ...(typeof values.outPrefix === 'string' ? { prefix: values.outPrefix } : {}),
      overwrite: force,
    });
    out.write(`wrote ${outputFiles(output).join(' and ')}\n`);
    return 0;
  } catch (error) {
    if (error instanceof InteropFormatError) throw new OperationalError(error.message);
    throw error;
  }
}

/**
 * `stream` as an {@link Output} that survives its reader going away (`convlstm-convert ... |
 * head -1`): a write error (EPIPE) stops the report, not the conversion, and is never an
 * unhandled 'error' event.
 */
export function pipeSafe(stream: NodeJS.WritableStream): Output {
  let state = BROKEN.get(stream);
  if (state === undefined) {
    const fresh = { broken: false };
    state = fresh;
    BROKEN.set(stream, fresh);
    stream.on('error', () => {
      fresh.broken = true;
    });
  }
  const shared = state;
  return {
    write: (text: string) => {
      if (!shared.broken) stream.write(text);
    },
  };
}

/** One listener per stream, however many runs share it (the CLI's tests run it many times). */
const BROKEN = new WeakMap<NodeJS.WritableStream, { broken: boolean }>();

/** Runs `convlstm-convert` under `@convlstm/cli`'s runner (one-line errors, exit codes). */
export function runConvert(argv?: readonly string[]): Promise<number> {
  return runCli({
    program: PROGRAM,
    main: ({ argv: args }) => convert(args, pipeSafe(process.stdout)),
    ...(argv === undefined ? {} : { argv }),
  });
}
