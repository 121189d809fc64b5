import { join } from 'node:path';
import {
  composeGrid,
  type GrayImage,
  sideBySideFrames,
  writeGrayGif,
  writeGrayPng,
} from '@convlstm/pictures';

/** One sequence to preview: each a list of frames. `truth` may be empty (predict without targets). */
export interface PreviewSequence {
  readonly inputs: readonly GrayImage[];
  readonly truth: readonly GrayImage[];
  readonly prediction: readonly GrayImage[];
}

/**
 * Writes `<base>.gif` (input | truth | prediction, animated side by side) and `<base>.png`
 * (rows = input, truth, prediction; columns = frames). Returns the two paths.
 */
export async function writePreviews(
  dir: string,
  base: string,
  seq: PreviewSequence,
  scale = 2,
): Promise<string[]> {
  const hasTruth = seq.truth.length > 0;
  const panels = [
    { label: 'input', frames: seq.inputs },
    ...(hasTruth ? [{ label: 'truth', frames: seq.truth }] : []),
    { label: 'prediction', frames: seq.prediction },
  ];
  const gifPath = join(dir, `${base}.gif`);
  const pngPath = join(dir, `${base}.png`);
  await writeGrayGif(gifPath, sideBySideFrames(panels, { scale, gap: 4 }), { delayMs: 250 });
  const grid = composeGrid(
    panels.map((p) => p.frames),
    { rowLabels: panels.map((p) => p.label), gap: 2 },
  );
  await writeGrayPng(pngPath, grid);
  return [gifPath, pngPath];
}
