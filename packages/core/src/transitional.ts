// TEMPORARY (removed before the end of this change): old names while backend-wasm is moved.
import { getBackendProfile, registerBackendProfile, unregisterBackendProfile } from './backend-profile.js';
import type { ConvAccelerator } from './conv-accelerator.js';
import { CONVLSTM_GATES } from './kernel-names.js';

export const INFERENCE_GATES_KERNEL = CONVLSTM_GATES;
export function registerConvAccelerator(backendName: string, accelerator: ConvAccelerator): void {
  registerBackendProfile(backendName, { convAccelerator: accelerator });
}
export function unregisterConvAccelerator(backendName: string): void {
  unregisterBackendProfile(backendName, 'convAccelerator');
}
export function getConvAccelerator(backendName: string): ConvAccelerator | undefined {
  return getBackendProfile(backendName).convAccelerator;
}
