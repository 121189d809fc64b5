import { getBackend, type Tensor } from '@tensorflow/tfjs-core';
import type { CellConfig } from './config.js';
import type { ConvAccelerator } from './conv-accelerator.js';

/** How a layer's input convolution is scheduled within the one time loop. */
export type Schedule =
  /** One input convolution over all N·T frames; each step adds it to the recurrent convolution. */
  | 'hoisted'
  /** One convolution of `[x_t, h]` with the stacked kernel `[...k, Cin + C, 4C]` per step. */
  | 'concat';

/** What a schedule choice may depend on besides the cell. */
export interface ScheduleContext {
  /** A gradient is being recorded (`tf.grad`, `variableGrads`, `optimizer.minimize`). */
  readonly recording: boolean;
}

/**
 * What a backend package tells the core about its backend, so the core never names one: the
 * TF.js pattern, where each backend registers what it provides. Every field is optional; the
 * core's defaults apply where one is missing. Kernels (see `kernel-names.ts`) are registered
 * with TF.js' own `registerKernel`, not here.
 */
export interface BackendProfile {
  /** A faster convolution algorithm for inference (used only while no gradient is recorded). */
  readonly convAccelerator?: ConvAccelerator;
  /** An exact `tanh` (to float32 rounding) that is faster here than TF.js' `Tanh` kernel. */
  readonly tanh?: (x: Tensor) => Tensor;
  /**
   * The schedule `mode: 'auto'` picks for a cell that both schedules can run (measured with
   * apps/bench on this backend); `undefined` keeps the core's default rule.
   */
  readonly preferredSchedule?: (config: CellConfig, context: ScheduleContext) => Schedule | undefined;
  /**
   * The gradient `gradient: 'auto'` (the default) picks for a cell while a gradient is recorded,
   * where the cell can take either (see `ConvLSTMOptions.gradient`); `undefined` keeps the
   * core's default, `'autodiff'`.
   */
  readonly preferredGradient?: (config: CellConfig) => 'autodiff' | 'handwritten' | undefined;
  /**
   * Keep a 2-D convolution's bias inside the convolution (TF.js' fused conv2d) under a gradient
   * tape too, where its gradient is faster here than conv + add's. Default: fused only while no
   * gradient is recorded.
   */
  readonly fusedBiasGradient?: boolean;
  /** Schedules that give wrong results on this backend, each with the reason (shown in the error). */
  readonly brokenSchedules?: Readonly<Partial<Record<Schedule, string>>>;
}

const profiles = new Map<string, BackendProfile>();

/**
 * Adds `profile`'s fields to what is registered for the TF.js backend `backendName` (a field
 * given replaces the one before; fields not given stay).
 */
export function registerBackendProfile(backendName: string, profile: BackendProfile): void {
  profiles.set(backendName, { ...profiles.get(backendName), ...profile });
}

/**
 * Removes the named fields of `backendName`'s profile (all of them when none are named): the
 * core then uses its defaults there.
 */
export function unregisterBackendProfile(backendName: string, ...fields: (keyof BackendProfile)[]): void {
  if (fields.length === 0) {
    profiles.delete(backendName);
    return;
  }
  const rest: Record<string, unknown> = { ...profiles.get(backendName) };
  for (const field of fields) delete rest[field];
  profiles.set(backendName, rest as BackendProfile);
}

/** The profile registered for `backendName` (default: the active backend); `{}` when none. */
export function getBackendProfile(backendName: string = getBackend()): BackendProfile {
  return profiles.get(backendName) ?? {};
}
