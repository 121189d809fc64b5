// The demo takes only the browser-safe entry of @convlstm/train (no node:* imports).
export {
  type DigitPool,
  EncoderForecaster,
  type EncoderForecasterConfig,
  type EncoderForecasterOptions,
  MovingMnist,
} from '@convlstm/train';
