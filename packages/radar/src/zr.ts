import { ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';

/** A power-law Z–R relation `Z = a · R^b` (Z in mm⁶/m³, R in mm/h). */
export interface ZRRelation {
  readonly a: number;
  readonly b: number;
}

/** Marshall and Palmer (1948): `Z = 200 R^1.6`, the default. */
export const MARSHALL_PALMER: ZRRelation = Object.freeze({ a: 200, b: 1.6 });
/** The Finnish Meteorological Institute's operational relation: `Z = 223 R^1.53`. */
export const FMI_ZR: ZRRelation = Object.freeze({ a: 223, b: 1.53 });

function checkRelation(zr: ZRRelation): void {
  if (!(zr.a > 0) || !(zr.b > 0) || !Number.isFinite(zr.a) || !Number.isFinite(zr.b)) {
    throw new ConvLSTMArgumentError(
      'zr',
      'a Z-R relation with finite a > 0 and b > 0',
      describeValue([zr.a, zr.b]),
    );
  }
}

/** Rain rate (mm/h) of a reflectivity in dBZ: `R = (10^(dBZ/10) / a)^(1/b)`. */
export function dbzToRainRate(dbz: number, zr: ZRRelation = MARSHALL_PALMER): number {
  checkRelation(zr);
  return (10 ** (dbz / 10) / zr.a) ** (1 / zr.b);
}

/** Reflectivity in dBZ of a rain rate (mm/h): `10 log10(a R^b)`; `-Infinity` for 0. */
export function rainRateToDbz(rate: number, zr: ZRRelation = MARSHALL_PALMER): number {
  checkRelation(zr);
  return 10 * Math.log10(zr.a * rate ** zr.b);
}

/** Options of the dBR transform (pysteps' conventions). */
export interface DbrOptions {
  /** Rates below this (mm/h) count as no rain; default 0.1. */
  readonly threshold?: number;
  /** dBR value given to no-rain pixels; default `10·log10(threshold) − 5` (−15 dBR for 0.1 mm/h). */
  readonly zeroValue?: number;
}

function dbrParams(options: DbrOptions): { threshold: number; zeroValue: number } {
  const threshold = options.threshold ?? 0.1;
  if (!(threshold > 0) || !Number.isFinite(threshold)) {
    throw new ConvLSTMArgumentError('threshold', 'a finite rate > 0 (mm/h)', describeValue(threshold));
  }
  const zeroValue = options.zeroValue ?? 10 * Math.log10(threshold) - 5;
  if (!Number.isFinite(zeroValue)) {
    throw new ConvLSTMArgumentError('zeroValue', 'a finite dBR value', describeValue(zeroValue));
  }
  return { threshold, zeroValue };
}

/**
 * The dBR transform `10·log10(R)` for rates at or above the threshold and `zeroValue` below it,
 * the log space in which rain fields are advected and learned. Returns a new array.
 */
export function toDbr(rates: Float32Array, options: DbrOptions = {}): Float32Array {
  const { threshold, zeroValue } = dbrParams(options);
  const out = new Float32Array(rates.length);
  for (let i = 0; i < rates.length; i++) {
    const r = rates[i] as number;
    out[i] = r >= threshold ? 10 * Math.log10(r) : zeroValue;
  }
  return out;
}

/** Inverse of {@link toDbr}: `10^(dBR/10)`, and 0 for values below `10·log10(threshold)`. */
export function fromDbr(dbr: Float32Array, options: DbrOptions = {}): Float32Array {
  const { threshold } = dbrParams(options);
  const floor = 10 * Math.log10(threshold);
  const out = new Float32Array(dbr.length);
  for (let i = 0; i < dbr.length; i++) {
    const v = dbr[i] as number;
    // A small tolerance so a threshold rate survives the float32 round trip.
    out[i] = v >= floor - 1e-4 ? 10 ** (v / 10) : 0;
  }
  return out;
}
