import type { Command } from 'commander';
import { EdfReader } from '../../formats/edf/index.js';
import { type EdfInfo, edfInfo } from '../../formats/edf/info.js';

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(10)));
}

export function renderInfo(info: EdfInfo): string {
  const lines: string[] = [];
  lines.push(`file        ${info.file}`);
  lines.push(`format      ${info.format}${info.discontinuous ? ' (discontinuous: gaps below)' : ''}`);
  lines.push(`patient     ${info.patientId || '(empty)'}`);
  lines.push(`recording   ${info.recordingId || '(empty)'}`);
  lines.push(`start       ${info.startDateTime ?? 'unknown'}`);
  lines.push(
    `duration    ${fmt(info.duration)} s (${info.records} records of ${fmt(info.recordDuration)} s)`,
  );
  lines.push(`signals     ${info.signals.length}`);
  const rows = info.signals.map((s) => [
    String(s.index),
    s.label,
    s.physicalDimension,
    `${fmt(s.physicalMin)}..${fmt(s.physicalMax)}`,
    `${s.digitalMin}..${s.digitalMax}`,
    String(s.samplesPerRecord),
    s.sampleRate === null ? '-' : fmt(s.sampleRate),
    s.transducer,
    s.prefiltering,
  ]);
  const head = ['#', 'label', 'unit', 'physical', 'digital', 'spr', 'Hz', 'transducer', 'prefilter'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    `  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')}`.trimEnd();
  lines.push(line(head));
  for (const r of rows) lines.push(line(r));
  if (info.gaps.length) {
    lines.push(`gaps        ${info.gaps.length}`);
    for (const g of info.gaps) lines.push(`  ${fmt(g.start)} s .. ${fmt(g.end)} s`);
  }
  lines.push(`annotations ${info.annotations.length}`);
  for (const a of info.annotations.slice(0, 50))
    lines.push(`  ${fmt(a.onset).padStart(10)} s  ${a.duration ? `${fmt(a.duration)} s  ` : ''}${a.text}`);
  if (info.annotations.length > 50)
    lines.push(`  ... ${info.annotations.length - 50} more (use --json for all)`);
  for (const w of info.warnings)
    lines.push(`warning     ${w.message}${w.offset !== undefined ? ` (byte ${w.offset})` : ''}`);
  return lines.join('\n');
}

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('Show the header, signals and annotations of an EDF/EDF+/BDF file')
    .argument('<file>', 'EDF, EDF+ or BDF file')
    .option('--json', 'print JSON (shape documented in the README)')
    .option('--strict', 'treat every header quirk as an error')
    .action((file: string, opts: { json?: boolean; strict?: boolean }) => {
      const reader = EdfReader.open(file, { strict: opts.strict });
      try {
        const info = edfInfo(reader);
        process.stdout.write(opts.json ? `${JSON.stringify(info, null, 2)}\n` : `${renderInfo(info)}\n`);
      } finally {
        reader.close();
      }
    });
}
