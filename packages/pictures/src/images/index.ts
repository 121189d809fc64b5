export { DEFAULT_MAX_PIXELS, ImageFormatError, type ImageReadOptions } from './errors.js';
export { decodeGrayGif, encodeGrayGif, type GifOptions, readGrayGif, writeGrayGif } from './gif.js';
export {
  composeGrid,
  type GridGeometry,
  type GridOptions,
  gridGeometry,
  type Panel,
  sideBySideFrames,
} from './grid.js';
export { framesFromArray, type GrayImage, grayImage, type RgbImage, toByte, upscale } from './image.js';
export { decodeGrayPng, encodeGrayPng, encodeRgbPng, readGrayPng, writeGrayPng, writeRgbPng } from './png.js';
