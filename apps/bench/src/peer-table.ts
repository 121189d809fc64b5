import type { BenchReport, Phase, Timing } from '@convlstm/bench-harness';
import type { TorchReport, TorchTiming } from './torch-peer.js';

/** What the bench adds to the harness's report: the main job's step and the PyTorch peer. */
export interface PeerSection {
  /** The main job's training step per backend. */
  readonly mainJob: Readonly<Record<string, Timing>>;
  readonly pytorch: TorchReport | { readonly unavailable: string };
}

function fmt(ms: number | undefined): string {
  return ms === undefined ? '–' : ms.toFixed(1);
}

function times(ours: number | undefined, torch: number | undefined): string {
  return ours === undefined || torch === undefined ? '–' : `${(ours / torch).toFixed(2)}×`;
}

/** `core:default`'s and the fastest core contender's medians for one shape and phase. */
function coreMedians(
  report: BenchReport,
  backend: string,
  shape: string,
  phase: Phase,
): { default?: number; best?: { name: string; ms: number } } {
  const rows = (report.backends.find((b) => b.backend === backend)?.results ?? []).filter(
    (r) => r.shape === shape && r.phase === phase && r.status === 'ok' && r.contender.startsWith('core:'),
  );
  const ms = (name: string) => rows.find((r) => r.contender === name)?.timing?.medianMs;
  let best: { name: string; ms: number } | undefined;
  for (const r of rows) {
    const m = r.timing?.medianMs;
    if (m !== undefined && (best === undefined || m < best.ms)) best = { name: r.contender, ms: m };
  }
  const out: { default?: number; best?: { name: string; ms: number } } = {};
  const d = ms('core:default');
  if (d !== undefined) out.default = d;
  if (best !== undefined) out.best = best;
  return out;
}

/**
 * "× PyTorch" (our median ÷ PyTorch's: below 1 is faster than PyTorch) per shape, phase and
 * backend, for `core:default` (what a user gets) and the fastest core contender, and for the
 * main job's training step.
 */
export function formatPeerTable(report: BenchReport, peers: PeerSection): string[] {
  const backends = report.backends.filter((b) => b.available && b.backend !== 'cpu').map((b) => b.backend);
  const torch = 'unavailable' in peers.pytorch ? null : peers.pytorch;
  const lines = [
    torch === null
      ? `### × PyTorch: PyTorch unavailable (${(peers.pytorch as { unavailable: string }).unavailable})`
      : `### × PyTorch (torch ${torch.torch}, ${torch.threads} threads): our median ÷ PyTorch's`,
    '',
    `| workload | PyTorch ms | ${backends.map((b) => `${b}: default ms | ×PyTorch | best core | ×PyTorch`).join(' | ')} |`,
    `|---|---:|${backends.map(() => '---:|---:|---|---:').join('|')}|`,
  ];
  const torchShapes = torch?.shapes ?? [];
  for (const s of report.shapes) {
    for (const phase of ['forward', 'train'] as const) {
      const t: TorchTiming | undefined = torchShapes.find((x) => x.id === s.id)?.[phase];
      const cells = backends.map((b) => {
        const m = coreMedians(report, b, s.id, phase);
        return `${fmt(m.default)} | ${times(m.default, t?.medianMs)} | ${m.best ? `${m.best.name} ${fmt(m.best.ms)}` : '–'} | ${times(m.best?.ms, t?.medianMs)}`;
      });
      if (cells.every((c) => c.startsWith('–')) && t === undefined) continue;
      lines.push(`| (${s.id}) ${phase} | ${fmt(t?.medianMs)} | ${cells.join(' | ')} |`);
    }
  }
  if (Object.keys(peers.mainJob).length > 0 || torch?.mainJob !== undefined) {
    const t = torch?.mainJob?.train.medianMs;
    const cells = backends.map((b) => {
      const m = peers.mainJob[b]?.medianMs;
      return `${fmt(m)} | ${times(m, t)} | | `;
    });
    lines.push(`| main job, one training step | ${fmt(t)} | ${cells.join(' | ')} |`);
    if (torch?.mainJob !== undefined)
      lines.push('', `PyTorch port of the main job's model: ${torch.mainJob.params} parameters.`);
  }
  return lines;
}
