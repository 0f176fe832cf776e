/**
 * The frozen segment encoder outside pretraining: loading a pretrained encoder folder (`celm pretrain`
 * output: encoder.safetensors + encoder.json) and running it as a SegmentEmbedder on libtorch.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CelmError } from '../errors.js';
import type { SegmentEmbedder } from './embed.js';
import { type EncoderConfig, encoderConfigHash, SegmentEncoder, validateEncoderConfig } from './encoder.js';
import { weightsDigest } from './model-dir.js';
import { type Backend, decodeSafetensors, loadWeightsFromMap, type NamedArray } from './runtime/index.js';

export interface LoadedEncoder {
  config: EncoderConfig;
  weights: Map<string, NamedArray>;
  /** encoder config hash + weights digest: the embedding cache key. */
  key: string;
  weightsPath: string;
  configPath: string;
}

/** Reads an encoder's configuration from encoder.json (as `celm pretrain` writes it). */
export function readEncoderConfig(path: string): EncoderConfig {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CelmError('model', `${path}: not readable JSON (${(e as Error).message})`);
  }
  const config = (j.encoder ?? j.config) as EncoderConfig | undefined;
  if (!config || typeof config !== 'object')
    throw new CelmError('model', `${path}: no 'encoder' configuration`);
  validateEncoderConfig(config, path);
  return config;
}

export function loadEncoderDir(dirIn: string | null): LoadedEncoder {
  if (!dirIn) throw new CelmError('usage', 'an encoder folder is needed (celm pretrain --out DIR)');
  const dir = resolve(dirIn);
  const weightsPath = join(dir, 'encoder.safetensors');
  const configPath = join(dir, 'encoder.json');
  for (const p of [weightsPath, configPath])
    if (!existsSync(p))
      throw new CelmError('model', `${dir}: not an encoder folder (no ${p.split('/').pop()})`);
  const config = readEncoderConfig(configPath);
  const weights = decodeSafetensors(readFileSync(weightsPath)).tensors;
  return {
    config,
    weights,
    key: `${encoderConfigHash(config)}-${weightsDigest(weights)}`,
    weightsPath,
    configPath,
  };
}

/** Runs a SegmentEncoder on libtorch: x [B, 22, L] uV, mask [B, 22] -> [B, 22, d]. */
export function torchEmbedder(
  be: Backend,
  enc: { config: EncoderConfig; key: string; weights: Map<string, NamedArray> },
): SegmentEmbedder {
  const encoder = new SegmentEncoder(be, enc.config);
  loadWeightsFromMap(be, enc.weights, encoder.params.map);
  const key = enc.key;
  return {
    dim: encoder.cfg.d,
    key,
    embed: async (x, mask, B) =>
      be.noGrad(() =>
        be.tidy(() =>
          encoder
            .embed(be.tensor(x, [B, 22, x.length / B / 22]), be.tensorBool(mask, [B, 22]))
            .toFloat32Array(),
        ),
      ),
  };
}
