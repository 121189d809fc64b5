import { describe, expect, it } from 'vitest';
import { formatTick, glyph, niceTicks, renderLineChart, textWidth } from '../src/charts/index.js';
import { decodeGrayPng, encodeRgbPng } from '../src/images/index.js';

describe('line chart', () => {
  const series = [
    { name: 'model', values: [0.01, 0.02, 0.03, 0.04], color: [0, 114, 178] as const },
    { name: 'zeros', values: [0.06, 0.06, 0.06, Number.NaN] },
  ];

  it('renders the requested size with ink in the plot and the series colour', () => {
    const image = renderLineChart({
      title: 'MSE',
      xLabel: 'lead time',
      yLabel: 'MSE',
      series,
      width: 320,
      height: 200,
    });
    expect([image.width, image.height]).toEqual([320, 200]);
    expect(image.data.length).toBe(320 * 200 * 3);
    let nonWhite = 0;
    let seriesColour = 0;
    for (let i = 0; i < image.data.length; i += 3) {
      const [r, g, b] = [image.data[i], image.data[i + 1], image.data[i + 2]];
      if (r !== 255 || g !== 255 || b !== 255) nonWhite++;
      if (r === 0 && g === 114 && b === 178) seriesColour++;
    }
    expect(nonWhite).toBeGreaterThan(1000);
    expect(seriesColour).toBeGreaterThan(50);
    const png = encodeRgbPng(image);
    const back = decodeGrayPng(png);
    expect([back.width, back.height]).toEqual([320, 200]);
  });

  it('still renders with no finite data (flat axes instead of a crash)', () => {
    const image = renderLineChart({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      series: [{ name: 'a', values: [] }],
    });
    expect([image.width, image.height]).toEqual([640, 400]);
  });
});

describe('ticks and font', () => {
  it('covers the range with round steps', () => {
    const t = niceTicks(0.013, 0.087, 5);
    expect(t.min).toBeLessThanOrEqual(0.013);
    expect(t.max).toBeGreaterThanOrEqual(0.087);
    const step = (t.ticks[1] as number) - (t.ticks[0] as number);
    expect([0.01, 0.02, 0.025, 0.05]).toContainEqual(Number(step.toPrecision(6)));
    expect(formatTick(0.25, 0.25)).toBe('0.25');
    expect(formatTick(3, 1)).toBe('3');
  });

  it('has 5×7 glyphs and measures text', () => {
    expect(glyph('A')).toHaveLength(7);
    expect(glyph('A')[0]).toHaveLength(5);
    expect(glyph('p')).toHaveLength(9); // descender below the line box
    expect(textWidth('abc')).toBe(17);
  });
});
