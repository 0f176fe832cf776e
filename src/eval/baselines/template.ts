/**
 * Baseline: a template report filled from quantitative EEG measurements (the "rules over qEEG"
 * comparison; cf. Lodder et al. 2014). It states only what spectra can support — PDR frequency, diffuse
 * slowing, lateralized slowing, amplitude asymmetry, whether sleep was seen — and writes the usual
 * negatives for what spectra cannot see (discharges, seizures). Output is CELM's JSON report, section
 * names from CELM_SECTIONS, wording from the shared findings vocabulary so the labeler reads it back.
 *
 * `QeegSummary` is deliberately minimal; the preprocessing module (src/signal/spectral.ts) computes these
 * measures (relative band power over 0.5-45 Hz; PDR; hemispheric asymmetry) and will be adapted to it.
 */
import type { Region } from '../../clinical/findings.js';
import { CELM_SECTIONS, type CelmReport } from '../../clinical/sections.js';
import { CelmError } from '../../errors.js';

/** Relative band power (fractions of 0.5-45 Hz power, each in [0, 1]) at one region and side. */
export interface RegionalBandPower {
  region: Region;
  side: 'left' | 'right' | 'midline';
  delta: number;
  theta: number;
  alpha: number;
  beta: number;
}

export interface QeegSummary {
  /** Recording length in seconds. */
  durationSec: number;
  /** Posterior dominant rhythm in Hz (eyes closed, awake), or null when none was found. */
  pdrHz: number | null;
  /** Relative band powers per region and side (awake segments). */
  bandPower: RegionalBandPower[];
  /**
   * Amplitude asymmetry per region: (left - right) / (left + right) of total power, in [-1, 1]
   * (positive = more power on the left).
   */
  asymmetryIndex?: Partial<Record<Region, number>>;
  /** Whether sleep (N2 or deeper) was seen. */
  sleepSeen: boolean;
  /** Patient age in years, for the PDR norm; null/absent = adult norms. */
  ageYears?: number | null;
}

/**
 * Thresholds of the template. Defaults were set by looking at 24 synthetic 20-minute recordings (seed 33)
 * run through the preprocessing pipeline: relative delta+theta over all regions was 0.56-0.75 in records
 * without diffuse slowing and 0.79-0.86 with it; the left-right difference of delta+theta in the region
 * of a focal slowing was 0.13-0.31, elsewhere mostly below 0.1. Real EEG will want its own values.
 */
export interface TemplateOptions {
  /** Mean delta+theta fraction over all regions above which the background is called diffusely slow. */
  diffuseSlowFraction: number;
  /** Left-right difference of delta+theta fraction within a region above which it is lateralized slowing. */
  focalSlowDifference: number;
  /** |asymmetryIndex| above which the amplitude asymmetry is reported. */
  asymmetryThreshold: number;
}

export const DEFAULT_TEMPLATE_OPTIONS: TemplateOptions = {
  diffuseSlowFraction: 0.78,
  focalSlowDifference: 0.12,
  asymmetryThreshold: 0.5,
};

/** Lowest normal awake PDR for an age: about 4 Hz at 4 months, 5 Hz at 1 year, 8 Hz from 3 years. */
export function minimumNormalPdr(ageYears: number | null | undefined): number {
  if (ageYears === null || ageYears === undefined) return 8;
  if (ageYears < 1) return 4;
  if (ageYears < 3) return 5;
  return 8;
}

function validate(m: QeegSummary): void {
  if (!m || typeof m !== 'object')
    throw new CelmError('bad-qeeg', 'templateReport expects a QeegSummary object');
  if (!Number.isFinite(m.durationSec) || m.durationSec <= 0) {
    throw new CelmError('bad-qeeg', `durationSec must be a positive number of seconds, got ${m.durationSec}`);
  }
  if (m.pdrHz !== null && (!Number.isFinite(m.pdrHz) || m.pdrHz <= 0 || m.pdrHz > 30)) {
    throw new CelmError('bad-qeeg', `pdrHz must be null or a frequency in (0, 30] Hz, got ${m.pdrHz}`);
  }
  if (!Array.isArray(m.bandPower)) throw new CelmError('bad-qeeg', 'bandPower must be an array');
  m.bandPower.forEach((b, i) => {
    for (const band of ['delta', 'theta', 'alpha', 'beta'] as const) {
      const v = b?.[band];
      if (!Number.isFinite(v) || v < 0 || v > 1) {
        throw new CelmError(
          'bad-qeeg',
          `bandPower[${i}].${band} must be a relative power in [0, 1], got ${v}`,
        );
      }
    }
    if (b.side !== 'left' && b.side !== 'right' && b.side !== 'midline') {
      throw new CelmError('bad-qeeg', `bandPower[${i}].side must be left, right or midline, got ${b.side}`);
    }
  });
  for (const [region, v] of Object.entries(m.asymmetryIndex ?? {})) {
    if (!Number.isFinite(v) || (v as number) < -1 || (v as number) > 1) {
      throw new CelmError('bad-qeeg', `asymmetryIndex.${region} must be in [-1, 1], got ${v}`);
    }
  }
  if (typeof m.sleepSeen !== 'boolean') throw new CelmError('bad-qeeg', 'sleepSeen must be true or false');
}

/** Writes the template report for one recording's measurements. */
export function templateReport(measures: QeegSummary, options: Partial<TemplateOptions> = {}): CelmReport {
  validate(measures);
  const o = { ...DEFAULT_TEMPLATE_OPTIONS, ...options };
  const minutes = Math.max(1, Math.round(measures.durationSec / 60));
  const slow = (b: RegionalBandPower) => b.delta + b.theta;
  const meanSlow =
    measures.bandPower.length === 0
      ? 0
      : measures.bandPower.reduce((s, b) => s + slow(b), 0) / measures.bandPower.length;
  const dominant = (bs: RegionalBandPower[]) => {
    const d = bs.reduce((s, b) => s + b.delta, 0);
    const t = bs.reduce((s, b) => s + b.theta, 0);
    return d >= t ? 'delta' : 'theta';
  };

  const abnormalities: string[] = [];
  const background: string[] = [];
  const minPdr = minimumNormalPdr(measures.ageYears);
  if (measures.pdrHz === null) {
    background.push('No posterior dominant rhythm is seen.');
  } else {
    const hz = Math.round(measures.pdrHz * 2) / 2;
    background.push(`The posterior dominant rhythm is ${hz} Hz.`);
  }
  const diffuse = meanSlow > o.diffuseSlowFraction || (measures.pdrHz !== null && measures.pdrHz < minPdr);
  if (diffuse) {
    background.push(
      `There is diffuse slowing of the background, with excess ${dominant(measures.bandPower)} activity.`,
    );
    abnormalities.push('diffuse slowing');
  }
  // Lateralized slowing: one side of a region carries clearly more delta+theta than the other.
  const regions = [...new Set(measures.bandPower.map((b) => b.region))];
  for (const region of regions) {
    const left = measures.bandPower.filter((b) => b.region === region && b.side === 'left');
    const right = measures.bandPower.filter((b) => b.region === region && b.side === 'right');
    if (left.length === 0 || right.length === 0) continue;
    const l = left.reduce((s, b) => s + slow(b), 0) / left.length;
    const r = right.reduce((s, b) => s + slow(b), 0) / right.length;
    if (Math.abs(l - r) > o.focalSlowDifference) {
      const side = l > r ? 'left' : 'right';
      const band = dominant(l > r ? left : right);
      background.push(`There is focal ${band} slowing over the ${side} ${region} region.`);
      abnormalities.push(`${side} ${region} slowing`);
    }
  }
  for (const [region, idx] of Object.entries(measures.asymmetryIndex ?? {})) {
    if (Math.abs(idx as number) > o.asymmetryThreshold) {
      const lower = (idx as number) > 0 ? 'right' : 'left';
      background.push(
        `There is a background asymmetry with lower amplitude over the ${lower} ${region} region.`,
      );
      abnormalities.push(`${lower} ${region} attenuation`);
    }
  }
  if (!diffuse && abnormalities.length === 0) background.push('There is no focal or generalized slowing.');
  const impression =
    abnormalities.length === 0
      ? 'Normal EEG.'
      : `Abnormal EEG due to ${abnormalities.join(', ')}.${diffuse ? ' This suggests a diffuse cerebral dysfunction.' : ''}`;

  const [details, bgName, epiName, seizName, sleepName, impName] = CELM_SECTIONS;
  return {
    report_sections: [
      {
        section_name: details,
        section_text: `Scalp EEG recorded with the international 10-20 system for ${minutes} minutes.`,
      },
      { section_name: bgName, section_text: background.join(' ') },
      { section_name: epiName, section_text: 'No epileptiform discharges were seen.' },
      { section_name: seizName, section_text: 'No seizures were recorded.' },
      {
        section_name: sleepName,
        section_text: measures.sleepSeen ? 'Stage N2 sleep was recorded.' : 'Sleep was not recorded.',
      },
      { section_name: impName, section_text: impression },
    ],
  };
}
