/** One line of a chart. */
export interface Series {
  readonly label: string;
  readonly values: readonly number[];
  readonly color: string;
  /** First x value (default 1). */
  readonly x0?: number;
}

/** A minimal line chart with axes, ticks and a legend on a canvas; no library, no fonts to fetch. */
export function drawChart(
  canvas: HTMLCanvasElement,
  series: readonly Series[],
  xLabel: string,
  yLabel: string,
): void {
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  const { width, height } = canvas;
  const pad = { left: 56, right: 12, top: 12, bottom: 36 };
  ctx.clearRect(0, 0, width, height);
  ctx.font = '11px system-ui, sans-serif';
  const all = series.flatMap((s) => s.values.filter(Number.isFinite));
  if (all.length === 0) return;
  const xs = series.flatMap((s) => [s.x0 ?? 1, (s.x0 ?? 1) + s.values.length - 1]);
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
  const yMax = Math.max(...all) * 1.05 || 1;
  const px = (x: number) => pad.left + ((x - xMin) / (xMax - xMin)) * (width - pad.left - pad.right);
  const py = (y: number) => height - pad.bottom - (y / yMax) * (height - pad.top - pad.bottom);
  ctx.strokeStyle = '#888';
  ctx.fillStyle = '#444';
  ctx.beginPath();
  ctx.moveTo(pad.left, pad.top);
  ctx.lineTo(pad.left, height - pad.bottom);
  ctx.lineTo(width - pad.right, height - pad.bottom);
  ctx.stroke();
  for (let i = 0; i <= 4; i++) {
    const y = (yMax * i) / 4;
    ctx.fillText(y.toPrecision(2), 4, py(y) + 4);
  }
  const step = Math.max(1, Math.ceil((xMax - xMin) / 10));
  for (let x = xMin; x <= xMax; x += step)
    ctx.fillText(String(Math.round(x)), px(x) - 4, height - pad.bottom + 14);
  ctx.fillText(xLabel, width / 2 - 30, height - 4);
  ctx.save();
  ctx.translate(12, height / 2 + 20);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(yLabel, 0, 0);
  ctx.restore();
  series.forEach((s, k) => {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    s.values.forEach((v, i) => {
      const x = px((s.x0 ?? 1) + i);
      if (i === 0) ctx.moveTo(x, py(v));
      else ctx.lineTo(x, py(v));
    });
    ctx.stroke();
    ctx.fillStyle = s.color;
    ctx.fillRect(width - pad.right - 130, pad.top + 4 + 14 * k, 10, 3);
    ctx.fillStyle = '#222';
    ctx.fillText(s.label, width - pad.right - 116, pad.top + 8 + 14 * k);
  });
}
