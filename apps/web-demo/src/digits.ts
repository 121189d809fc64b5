import type { DigitPool } from '@convlstm/train';

const PIXELS = 28 * 28;

/** Reads `digits.bin` (28×28 bytes per digit, see scripts/export-digits.mjs) into a DigitPool. */
export function digitPoolFromBytes(bytes: Uint8Array): DigitPool {
  if (bytes.length === 0 || bytes.length % PIXELS !== 0) {
    throw new Error(`digits.bin: ${bytes.length} bytes is not a whole number of 28×28 digits`);
  }
  const pixels = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) pixels[i] = (bytes[i] as number) / 255;
  return { count: bytes.length / PIXELS, size: 28, pixels };
}
