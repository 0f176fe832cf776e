/**
 * Patient-level splits. A patient's split depends only on the seed and its own id: u = first 32 bits of
 * SHA-256("celm-split:<seed>:<patient id>") / 2^32, then train when u < train, val when u < train + val,
 * else test. No patient can be in two splits, the same seed gives the same splits, and adding patients
 * never moves the ones already assigned.
 */
import { createHash } from 'node:crypto';
import { CelmError } from '../../errors.js';

export type SplitName = 'train' | 'val' | 'test';
export const SPLIT_NAMES: SplitName[] = ['train', 'val', 'test'];

export interface SplitRatios {
  train: number;
  val: number;
  test: number;
}

export const DEFAULT_RATIOS: SplitRatios = { train: 0.8, val: 0.1, test: 0.1 };

/** Parses "80/10/10" (or "0.8/0.1/0.1"); the parts are normalised to sum to 1. */
export function parseRatios(text: string): SplitRatios {
  const parts = text.split(/[/,:]/).map((x) => Number(x.trim()));
  if (
    parts.length !== 3 ||
    parts.some((x) => !Number.isFinite(x) || x < 0) ||
    parts[0] + parts[1] + parts[2] <= 0
  )
    throw new CelmError('usage', `--split must be train/val/test, e.g. 80/10/10, got "${text}"`);
  const sum = parts[0] + parts[1] + parts[2];
  return { train: parts[0] / sum, val: parts[1] / sum, test: parts[2] / sum };
}

export function splitValue(patientId: string, seed: number): number {
  const h = createHash('sha256').update(`celm-split:${seed}:${patientId}`).digest();
  return h.readUInt32BE(0) / 2 ** 32;
}

export function assignSplit(patientId: string, seed: number, r: SplitRatios = DEFAULT_RATIOS): SplitName {
  const u = splitValue(patientId, seed);
  return u < r.train ? 'train' : u < r.train + r.val ? 'val' : 'test';
}
