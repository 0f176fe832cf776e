import type { Command } from 'commander';
import type { Region } from '../../clinical/findings.js';
import { generateCorpus, MIN_DURATION, parseDuration } from '../../datasets/synth/corpus.js';
import { SITES } from '../../datasets/synth/sites.js';
import { PROFILES, type Profile } from '../../datasets/synth/spec.js';
import { CelmError } from '../../errors.js';

interface SynthOptions {
  count: string;
  out: string;
  seed: string;
  duration?: string;
  profile: string;
  sampleRate?: string;
  focus?: string;
  site?: string;
  singleRecording?: boolean;
  allowShort?: boolean;
  quiet?: boolean;
}

const REGIONS: Region[] = [
  'frontal',
  'frontotemporal',
  'temporal',
  'central',
  'centrotemporal',
  'parietal',
  'occipital',
  'parietooccipital',
];

function intFlag(v: string, flag: string, min: number): number {
  if (!/^\d+$/.test(v.trim()) || Number(v) < min)
    throw new CelmError('usage', `${flag} must be an integer >= ${min}, got "${v}"`);
  return Number(v);
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description(
      'Generate a synthetic clinical EEG corpus (EDF+ recordings with known findings, reports, ground truth) laid out like TUH EEG',
    )
    .requiredOption('--count <n>', 'number of reports (sessions) to generate')
    .requiredOption('--out <dir>', 'output directory (a rerun with the same arguments resumes)')
    .option('--seed <n>', 'random seed (same seed, same bytes)', '1')
    .option('--duration <d>', 'recording length or range, e.g. 20m, 1h, 20m..2h, 24h (default 20m..1h)')
    .option('--profile <p>', `${PROFILES.join(', ')} or mixed`, 'mixed')
    .option('--sample-rate <hz>', 'force 200, 250, 256 or 500 Hz (default: per site)')
    .option('--focus <side:region>', 'force the focus of focal findings, e.g. left:temporal')
    .option('--site <id>', `force the site (${SITES.map((s) => s.id).join(', ')})`)
    .option('--single-recording', 'one EDF per session (no multi-recording reports)')
    .option('--allow-short', 'allow recordings shorter than 20 minutes (tests and demos only)')
    .option('--quiet', 'no progress on stderr')
    .action((opts: SynthOptions) => {
      const count = intFlag(opts.count, '--count', 1);
      const seed = intFlag(opts.seed, '--seed', 0);
      if (seed > 0xffffffff) throw new CelmError('usage', `--seed must be below 2^32, got ${opts.seed}`);
      const duration = opts.duration
        ? parseDuration(opts.duration, opts.allowShort)
        : ([MIN_DURATION, 3600] as [number, number]);
      const profile = opts.profile as Profile | 'mixed';
      if (profile !== 'mixed' && !PROFILES.includes(profile as Profile))
        throw new CelmError(
          'usage',
          `--profile must be one of ${[...PROFILES, 'mixed'].join(', ')}, got "${opts.profile}"`,
        );
      const sampleRate =
        opts.sampleRate === undefined ? undefined : intFlag(opts.sampleRate, '--sample-rate', 1);
      let focus: { side: 'left' | 'right'; region: Region } | undefined;
      if (opts.focus) {
        const [side, region] = opts.focus.split(':');
        if ((side !== 'left' && side !== 'right') || !REGIONS.includes(region as Region))
          throw new CelmError(
            'usage',
            `--focus must be left|right:${REGIONS.join('|')}, got "${opts.focus}"`,
          );
        focus = { side, region: region as Region };
      }
      if (opts.site && !SITES.some((s) => s.id === opts.site))
        throw new CelmError(
          'usage',
          `--site must be one of ${SITES.map((s) => s.id).join(', ')}, got "${opts.site}"`,
        );
      const t0 = Date.now();
      let lastPrint = 0;
      const manifest = generateCorpus({
        count,
        out: opts.out,
        seed,
        duration,
        profile,
        sampleRate,
        focus,
        site: opts.site,
        multiRecording: !opts.singleRecording,
        onProgress: (p) => {
          if (opts.quiet) return;
          // A live line on a terminal; one line every 10 s when stderr is a file or pipe.
          const tty = process.stderr.isTTY === true;
          const now = Date.now();
          if (now - lastPrint < (tty ? 500 : 10000) && p.written < p.total) return;
          lastPrint = now;
          const el = (now - t0) / 1000;
          const eta = p.written > 0 ? (el * (p.total - p.written)) / p.written : Number.NaN;
          const line = `synth: report ${p.report + 1}/${p.reports}${p.skipped ? ' (done, skipped)' : ''}, ${Math.round(p.written / 60)}/${Math.round(p.total / 60)} min of EEG, ETA ${fmtTime(eta)}`;
          process.stderr.write(tty ? `\r${line}   ` : `${line}\n`);
        },
      });
      if (!opts.quiet && process.stderr.isTTY) process.stderr.write('\n');
      const recs = manifest.reduce((n, m) => n + m.recordings.length, 0);
      const abn = manifest.filter((m) => m.abnormal).length;
      process.stdout.write(
        `wrote ${manifest.length} report${manifest.length === 1 ? '' : 's'} (${recs} recordings, ${abn} abnormal) to ${opts.out} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
      );
    });
}
