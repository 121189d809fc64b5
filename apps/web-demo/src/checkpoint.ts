import { io, type Tensor } from '@tensorflow/tfjs-core';
import { EncoderForecaster, type EncoderForecasterConfig } from './train-browser.js';

/**
 * The checkpoint files `@convlstm/train`'s `saveCheckpoint` writes (and `apps/moving-mnist`
 * produces): `config.json` (the model config), `model.json` (`{ format, weightsManifest }`, the
 * TF.js weights-manifest format) and `weights.bin`, weights named by `EncoderForecaster.weightNames`.
 */
export const CHECKPOINT_FORMAT = 'convlstm-encoder-forecaster';

interface ModelJson {
  format?: string;
  weightsManifest?: { paths: string[]; weights: io.WeightsManifestEntry[] }[];
}

/** Builds a model from the three checkpoint files' contents; throws naming the bad file. */
export function decodeCheckpoint(
  configJson: unknown,
  modelJson: unknown,
  weights: ArrayBuffer,
): EncoderForecaster {
  const manifest = (modelJson as ModelJson).weightsManifest;
  const group = Array.isArray(manifest) && manifest.length === 1 ? manifest[0] : undefined;
  if ((modelJson as ModelJson).format !== CHECKPOINT_FORMAT || group === undefined) {
    throw new Error(`model.json: expected { format: "${CHECKPOINT_FORMAT}", weightsManifest: [one group] }`);
  }
  const model = new EncoderForecaster(configJson as EncoderForecasterConfig);
  const named = io.decodeWeights(weights, group.weights);
  try {
    const missing = model.weightNames.filter((n) => named[n] === undefined);
    if (missing.length > 0) throw new Error(`weights.bin: missing weights ${missing.join(', ')}`);
    model.setWeights(model.weightNames.map((n) => named[n] as Tensor));
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    for (const t of Object.values(named)) t.dispose();
  }
}

/**
 * Fetches `base/config.json`, `model.json`, `weights.bin`; `null` when there is no checkpoint.
 * A checkpoint folder written by `saveCheckpoint` keeps its files in the version folder named by
 * `base/CURRENT`; a flat folder (e.g. the page's own download) has them directly.
 */
export async function fetchCheckpoint(base: string): Promise<EncoderForecaster | null> {
  const current = await fetch(`${base}CURRENT`);
  const type = current.headers.get('content-type') ?? '';
  if (current.ok && !type.includes('text/html')) {
    const version = (await current.text()).trim();
    if (/^[\w-]+$/.test(version)) base = `${base}${version}/`;
  }
  const config = await fetch(`${base}config.json`);
  // Servers with an SPA fallback answer a missing file with index.html and status 200.
  if (!config.ok || (config.headers.get('content-type') ?? '').includes('text/html')) return null;
  const model = await fetch(`${base}model.json`);
  if (!model.ok) throw new Error(`${base}model.json: HTTP ${model.status}`);
  const modelJson = (await model.json()) as ModelJson;
  const path = modelJson.weightsManifest?.[0]?.paths[0] ?? 'weights.bin';
  const weights = await fetch(`${base}${path}`);
  if (!weights.ok) throw new Error(`${base}${path}: HTTP ${weights.status}`);
  return decodeCheckpoint(await config.json(), modelJson, await weights.arrayBuffer());
}

/** The checkpoint files of `model`, in the same format, for download. */
export async function encodeCheckpoint(model: EncoderForecaster): Promise<Record<string, Blob>> {
  const names = model.weightNames;
  const encoded = await io.encodeWeights(
    model.trainableWeights.map((tensor, i) => ({ name: names[i] as string, tensor })),
  );
  const data = io.concatenateArrayBuffers(encoded.data as ArrayBuffer | ArrayBuffer[]);
  const modelJson = {
    format: CHECKPOINT_FORMAT,
    generatedBy: '@convlstm/web-demo',
    weightsManifest: [{ paths: ['weights.bin'], weights: encoded.specs }],
  };
  const json = (v: unknown) => new Blob([JSON.stringify(v, null, 2)], { type: 'application/json' });
  return {
    'config.json': json(model.config),
    'model.json': json(modelJson),
    'weights.bin': new Blob([data], { type: 'application/octet-stream' }),
  };
}
