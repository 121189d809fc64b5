export { type Rgb, RgbCanvas } from './canvas.js';
export { drawText, GLYPH_HEIGHT, GLYPH_WIDTH, glyph, textWidth } from './font.js';
export { type LineChartOptions, PALETTE, renderLineChart, type Series } from './line-chart.js';
export { formatTick, niceTicks } from './ticks.js';
