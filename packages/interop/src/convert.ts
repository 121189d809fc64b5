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
import { exists, fileFormat, readModelFile, writeModelFile } from './node.js';
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
  { key: 'force', kind: { type: 'boolean' }, description: 'replace an existing output file' },
];

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
  if (values.force !== true && (await exists(output))) {
    throw new UsageError(`--out ${output} exists; pass --force to replace it`);
  }
  try {
    const stack = await readModelFile(input, {
      ...(typeof values.prefix === 'string' ? { prefix: values.prefix } : {}),
      ...(typeof values.recurrentActivation === 'string'
        ? { recurrentActivation: values.recurrentActivation as (typeof ACTIVATIONS)[number] }
        : {}),
    });
    out.write(`${input}: ${stack.layers.length} ConvLSTM layer${stack.layers.length === 1 ? '' : 's'}\n`);
    for (const line of describeStack(stack)) out.write(`  ${line}\n`);
    await writeModelFile(
      stack,
      output,
      typeof values.outPrefix === 'string' ? { prefix: values.outPrefix } : {},
    );
    out.write(`wrote ${output}\n`);
    return 0;
  } catch (error) {
    if (error instanceof InteropFormatError) throw new OperationalError(error.message);
    throw error;
  }
}

/** Runs `convlstm-convert` under `@convlstm/cli`'s runner (one-line errors, exit codes). */
export function runConvert(argv?: readonly string[]): Promise<number> {
  return runCli({
    program: PROGRAM,
    main: ({ argv: args }) => convert(args, process.stdout),
    ...(argv === undefined ? {} : { argv }),
  });
}
