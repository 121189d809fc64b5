/**
 * The pictures of the project's command-line apps: grayscale and RGB images, PNG and GIF
 * encoding and decoding (pngjs, omggif) with atomic writes, frame grids, a bitmap font and line
 * charts. Node only (it reads and writes files).
 */
export * from './charts/index.js';
export * from './images/index.js';
