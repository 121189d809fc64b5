/** Element types the readers decode; all are widened to float32. */
export type FloatDType = 'float32' | 'float16' | 'bfloat16';

/** Bytes per element of each {@link FloatDType}. */
export const DTYPE_BYTES: Readonly<Record<FloatDType, number>> = { float32: 4, float16: 2, bfloat16: 2 };

/** IEEE 754 half (as its 16 bits) to the float32 it denotes; exact for every value. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/**
 * Decodes `count` little-endian elements of `dtype` from `bytes` at `offset` into float32.
 * bfloat16 is the top half of a float32, so it widens by a shift.
 */
export function decodeFloats(
  bytes: Uint8Array,
  offset: number,
  count: number,
  dtype: FloatDType,
): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * DTYPE_BYTES[dtype]);
  const out = new Float32Array(count);
  if (dtype === 'float32') {
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  } else if (dtype === 'float16') {
    for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  } else {
    const word = new DataView(new ArrayBuffer(4));
    for (let i = 0; i < count; i++) {
      word.setUint32(0, view.getUint16(2 * i, true) << 16, true);
      out[i] = word.getFloat32(0, true);
    }
  }
  return out;
}

/** Element `i` (little-endian `dtype`) of `bytes`, widened to float32, without decoding the rest. */
export function elementReader(bytes: Uint8Array, dtype: FloatDType): (i: number) => number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === 'float32') return (i) => view.getFloat32(4 * i, true);
  if (dtype === 'float16') return (i) => halfToFloat(view.getUint16(2 * i, true));
  const word = new DataView(new ArrayBuffer(4));
  return (i) => {
    word.setUint32(0, view.getUint16(2 * i, true) << 16, true);
    return word.getFloat32(0, true);
  };
}
