import { createWriteStream, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CelmError } from '../../errors.js';
import { EdfReader, type SignalWindow, type Unit } from '../../formats/edf/index.js';
import { NpyWriter } from '../../formats/npy.js';

interface ExportOptions {
  start: string;
  duration?: string;
  channels?: string;
  format: string;
  out?: string;
  unit: string;
}

function seconds(v: string, flag: string): number {
  const x = Number(v);
  if (!Number.isFinite(x) || x < 0)
    throw new CelmError('usage', `${flag} must be a non-negative number of seconds, got "${v}"`);
  return x;
}

/** CSV like EDFbrowser's ASCII export: a time column in seconds, then one column per channel. */
async function writeCsv(win: SignalWindow, out: string | undefined): Promise<void> {
  const stream = out ? createWriteStream(out) : process.stdout;
  const fs = win.channels[0].sampleRate;
  const write = (s: string) => new Promise<void>((ok) => (stream.write(s) ? ok() : stream.once('drain', ok)));
  await write(`Time,${win.channels.map((c) => `"${c.label.replace(/"/g, '""')} (${c.unit})"`).join(',')}\n`);
  const n = win.data[0].length;
  let chunk = '';
  for (let k = 0; k < n; k++) {
    let row = (win.firstSampleTime[0] + k / fs).toFixed(6);
    for (const d of win.data) row += `,${Number.isNaN(d[k]) ? '' : String(Number(d[k].toPrecision(7)))}`;
    chunk += `${row}\n`;
    if (chunk.length > 1 << 16) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  if (out) await new Promise<void>((ok) => (stream as ReturnType<typeof createWriteStream>).end(ok));
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('Export physical values of a time window as CSV or .npy (channels x samples, float32)')
    .argument('<file>', 'EDF, EDF+ or BDF file')
    .option('--start <s>', 'window start in seconds', '0')
    .option('--duration <s>', 'window length in seconds (default: to the end)')
    .option('--channels <list>', 'comma-separated labels or 0-based indices (default: all data signals)')
    .requiredOption('--format <fmt>', 'csv or npy')
    .option('--out <path>', 'output file (CSV defaults to stdout; npy requires it)')
    .option('--unit <unit>', "native (the file's physical unit) or uV", 'native')
    .action(async (file: string, opts: ExportOptions) => {
      if (opts.format !== 'csv' && opts.format !== 'npy')
        throw new CelmError('usage', `--format must be csv or npy, got "${opts.format}"`);
      if (opts.unit !== 'native' && opts.unit !== 'uV')
        throw new CelmError('usage', `--unit must be native or uV, got "${opts.unit}"`);
      const reader = EdfReader.open(file);
      try {
        const start = seconds(opts.start, '--start');
        const duration =
          opts.duration === undefined ? reader.duration - start : seconds(opts.duration, '--duration');
        const channels = opts.channels
          ?.split(',')
          .map((c) => (/^\d+$/.test(c.trim()) ? Number(c) : c.trim()));
        const win = reader.readWindow(start, duration, { channels, unit: opts.unit as Unit });
        const rates = new Set(win.channels.map((c) => c.sampleRate));
        if (rates.size > 1) {
          throw new CelmError(
            'usage',
            `${file}: the chosen channels have different sample rates (${[...rates].join(', ')} Hz); pick channels of one rate with --channels`,
          );
        }
        if (opts.format === 'csv') return await writeCsv(win, opts.out);
        if (!opts.out) throw new CelmError('usage', '--out is required for --format npy');
        const w = new NpyWriter(opts.out, '<f4', [win.channels.length, win.data[0].length]);
        for (const d of win.data) w.write(d);
        w.close();
        const meta = {
          source: file,
          start: win.firstSampleTime[0],
          sampleRate: win.channels[0].sampleRate,
          channels: win.channels.map((c) => ({ label: c.label, unit: c.unit })),
          gaps: win.gaps,
          layout: 'channels x samples, float32, NaN in gaps',
        };
        writeFileSync(`${opts.out}.json`, `${JSON.stringify(meta, null, 2)}\n`);
      } finally {
        reader.close();
      }
    });
}
