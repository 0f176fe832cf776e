import type { Command } from 'commander';
import { CelmError } from '../../errors.js';
import { expandInputs, parseShard, runBatch, selectShard } from '../../signal/batch.js';
import { DEFAULT_SETTINGS, type PreprocessSettings } from '../../signal/pipeline.js';

interface PreprocessCliOptions {
  out: string;
  jobs: string;
  shard?: string;
  lineFreq: string;
  segment: string;
  overlap: string;
  keepBad?: boolean;
  force?: boolean;
  quiet?: boolean;
}

function positive(v: string, flag: string, allowZero = false): number {
  const x = Number(v);
  if (!Number.isFinite(x) || x < 0 || (!allowZero && x === 0))
    throw new CelmError(
      'usage',
      `${flag} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${v}"`,
    );
  return x;
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

export function registerPreprocess(program: Command): void {
  program
    .command('preprocess')
    .description(
      "Turn recordings into CELM's model input (22 ch, 200 Hz, 10-s segments, uV) with masks, quality and qEEG",
    )
    .argument('<inputs...>', 'EDF/BDF files or folders (searched recursively)')
    .requiredOption('--out <dir>', 'output folder (one sub-folder per recording; see docs/preprocessing.md)')
    .option('--jobs <n>', 'worker threads', '1')
    .option('--shard <i/n>', 'process only files whose sorted position k has k % n == i')
    .option('--line-freq <f>', 'mains notch: 60, 50, auto or none', String(DEFAULT_SETTINGS.lineFreq))
    .option('--segment <s>', 'segment length in seconds', String(DEFAULT_SETTINGS.segmentSeconds))
    .option('--overlap <s>', 'segment overlap in seconds', String(DEFAULT_SETTINGS.overlapSeconds))
    .option('--keep-bad', 'keep the data of channels masked as bad (default: zeros)')
    .option('--force', 'redo recordings whose output is up to date')
    .option('--quiet', 'no progress on stderr')
    .action(async (inputs: string[], opts: PreprocessCliOptions) => {
      const jobs = Math.floor(positive(opts.jobs, '--jobs'));
      const lf = opts.lineFreq;
      if (!['60', '50', 'auto', 'none'].includes(lf))
        throw new CelmError('usage', `--line-freq must be 60, 50, auto or none, got "${lf}"`);
      const segmentSeconds = positive(opts.segment, '--segment');
      const overlapSeconds = positive(opts.overlap, '--overlap', true);
      if (overlapSeconds >= segmentSeconds)
        throw new CelmError(
          'usage',
          `--overlap (${overlapSeconds}) must be shorter than --segment (${segmentSeconds})`,
        );
      const settings: PreprocessSettings = {
        ...DEFAULT_SETTINGS,
        lineFreq: lf === 'auto' || lf === 'none' ? lf : (Number(lf) as 50 | 60),
        segmentSeconds,
        overlapSeconds,
        zeroBadChannels: !opts.keepBad,
      };
      const all = expandInputs(inputs);
      const files = opts.shard ? selectShard(all, parseShard(opts.shard)) : all;
      const t0 = Date.now();
      let finished = 0;
      const progress = new Map<string, { done: number; total: number }>();
      let lastDraw = 0;
      const tty = process.stderr.isTTY;
      const draw = (force = false) => {
        if (opts.quiet) return;
        const now = Date.now();
        if (!force && now - lastDraw < (tty ? 200 : 5000)) return;
        lastDraw = now;
        let frac = finished;
        let segs = 0;
        for (const p of progress.values()) {
          frac += p.total ? p.done / p.total : 0;
          segs += p.done;
        }
        const el = (now - t0) / 1000;
        const eta = frac > 0 ? (el * (files.length - frac)) / frac : Number.NaN;
        const line = `preprocess: ${finished}/${files.length} recordings, ${segs} segments in progress, ${fmtTime(el)} elapsed, ETA ${fmtTime(eta)}`;
        process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
      };
      const summary = await runBatch(files, {
        out: opts.out,
        jobs,
        settings,
        force: opts.force,
        onEvent: (e) => {
          if (e.type === 'progress') {
            progress.set(e.file, { done: e.done, total: e.total });
            draw();
          } else if (e.type === 'done' || e.type === 'failed') {
            progress.delete(e.file);
            finished++;
            if (!opts.quiet && tty) process.stderr.write('\r\x1b[K');
            if (e.type === 'failed')
              process.stderr.write(
                `celm: failed: ${e.message.startsWith(e.file) ? e.message : `${e.file}: ${e.message}`}\n`,
              );
            else if (!opts.quiet)
              process.stderr.write(
                `${e.skipped ? 'skipped (up to date)' : 'done'}: ${e.file} -> ${e.id} (${e.segments} segments${e.skipped ? '' : `, ${e.seconds.toFixed(1)} s`})\n`,
              );
            draw(true);
          }
        },
      });
      if (!opts.quiet && tty) process.stderr.write('\r\x1b[K');
      process.stdout.write(
        `${JSON.stringify({ recordings: files.length, processed: summary.done, skipped: summary.skipped, failed: summary.failed })}\n`,
      );
      if (summary.failed.length) process.exitCode = 2;
    });
}
