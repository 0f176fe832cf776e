/**
 * Adapter from the preprocessing module's measurements (`RecordingResult.qeeg` of src/signal/pipeline.ts)
 * to the template baseline's input. Regions come from the pipeline's "side-region" averages; the
 * amplitude asymmetry of a region is (L - R) / (L + R) of the total 0.5-45 Hz power summed over the
 * region's homologous electrode pairs (per-channel absolute powers); the PDR is the pipeline's estimate.
 */
import { ELECTRODE_LOCATION, type Region } from '../../clinical/findings.js';
import { CelmError } from '../../errors.js';
import type { QeegSummary as SignalQeeg } from '../../signal/pipeline.js';
import type { QeegSummary, RegionalBandPower } from './template.js';

const SIDES = ['left', 'right', 'midline'] as const;

export function templateInputFromSignal(
  qeeg: SignalQeeg,
  recording: { durationSec: number; sleepSeen: boolean; ageYears?: number | null },
): QeegSummary {
  if (!qeeg || typeof qeeg !== 'object' || !qeeg.regions || !qeeg.channels) {
    throw new CelmError('bad-qeeg', 'expected the qeeg summary of a preprocessed recording');
  }
  const bandPower: RegionalBandPower[] = [];
  for (const [key, r] of Object.entries(qeeg.regions)) {
    const dash = key.indexOf('-');
    const side = key.slice(0, dash) as (typeof SIDES)[number];
    const region = key.slice(dash + 1) as Region;
    if (!SIDES.includes(side)) continue;
    bandPower.push({
      region,
      side,
      delta: r.relative.delta,
      theta: r.relative.theta,
      alpha: r.relative.alpha,
      beta: r.relative.beta,
    });
  }
  const total = new Map<string, { left: number; right: number }>();
  for (const pair of Object.keys(qeeg.asymmetry ?? {})) {
    const [l, r] = pair.split('-');
    const a = qeeg.channels[l];
    const b = qeeg.channels[r];
    const loc = ELECTRODE_LOCATION[l];
    if (!a || !b || !loc || l === 'A1') continue;
    const region = loc.region === 'frontotemporal' ? 'frontal' : loc.region;
    const sum = (x: typeof a) => Object.values(x.absolute).reduce((s, v) => s + v, 0);
    const t = total.get(region) ?? { left: 0, right: 0 };
    t.left += sum(a);
    t.right += sum(b);
    total.set(region, t);
  }
  const asymmetryIndex: Partial<Record<Region, number>> = {};
  for (const [region, t] of total) {
    if (t.left + t.right > 0) asymmetryIndex[region as Region] = (t.left - t.right) / (t.left + t.right);
  }
  return {
    durationSec: recording.durationSec,
    pdrHz: qeeg.pdr ? qeeg.pdr.frequencyHz : null,
    bandPower,
    asymmetryIndex,
    sleepSeen: recording.sleepSeen,
    ageYears: recording.ageYears ?? null,
  };
}
