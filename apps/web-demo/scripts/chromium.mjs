// Debian's Chromium and the flags every headless run here uses (scripts and tests): no sandbox
// (containers), no background traffic (offline machines), WebGPU on its software adapter.
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--enable-unsafe-webgpu',
];
