import type { BackendReport, BenchReport } from './harness.js';

function fmt(value: number | undefined | null, digits = 2): string {
  return value === undefined || value === null || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** Markdown tables of a report: one per backend, rows per shape, phase and contender. */
export function formatReport(report: BenchReport): string {
  const lines: string[] = [];
  lines.push(`FLOPs: ${report.meta.flopFormula}`);
  for (const s of report.shapes) lines.push(`(${s.id}) ${s.label}`);
  for (const b of report.backends) lines.push('', ...formatBackend(b));
  lines.push('', ...formatTargets(report));
  return lines.join('\n');
}

/** One backend's heading (peak GFLOP/s, or why it was unavailable) and its table. */
export function formatBackend(b: BackendReport): string[] {
  if (!b.available) return [`### ${b.backend}: unavailable (${b.reason})`];
  const lines = [
    `### ${b.backend} — peak: conv ${fmt(b.peak?.convGflops)} GFLOP/s, matMul ${fmt(b.peak?.matMulGflops)} GFLOP/s`,
    '',
    '| shape | phase | contender | median ms | spread | seq/s | GFLOP | GFLOP/s | × plain | × tfjs-layers | tensors alive / peak | MiB peak | kernels |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of b.results) {
    if (r.status !== 'ok' || r.timing === undefined) {
      lines.push(
        `| ${r.shape} | ${r.phase} | ${r.contender} | ${r.status}: ${r.reason ?? ''} | | | ${fmt(r.gflop)} | | | | | | |`,
      );
      continue;
    }
    const mem =
      r.trainMemory !== undefined
        ? `${r.trainMemory.peakTensors} peak`
        : `${r.forwardMemory?.aliveTensors ?? '–'} alive`;
    const mib =
      r.trainMemory !== undefined
        ? fmt(r.trainMemory.peakBytes / 2 ** 20, 1)
        : fmt((r.forwardMemory?.aliveBytes ?? 0) / 2 ** 20, 1);
    lines.push(
      `| ${r.shape} | ${r.phase} | ${r.contender} | ${fmt(r.timing.medianMs, 1)}${r.extrapolatedFromSteps === undefined ? '' : ' (T × 1 step)'} | ±${fmt(r.timing.spread * 50, 0)}% (n=${r.timing.reps}) | ` +
        `${fmt(r.sequencesPerSec, 1)} | ${fmt(r.gflop)} | ${fmt(r.gflopPerSec)} | ${fmt(r.vsPlain)} | ${fmt(r.vsLayers)} | ${mem} | ${mib} | ${r.trainMemory?.kernels ?? ''} |`,
    );
  }
  return lines;
}

/** The brief's target figures, one line each. */
export function formatTargets(report: BenchReport): string[] {
  return ['Targets:', ...Object.entries(report.targets).map(([k, v]) => `- ${k}: ${fmt(v)}`)];
}
