import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildBenchmark } from '../../datasets/benchmark/build.js';
import { openCatalog } from '../../datasets/benchmark/catalog.js';
import type { SourceKind } from '../../datasets/benchmark/sources.js';
import { DEFAULT_RATIOS, parseRatios } from '../../datasets/benchmark/splits.js';
import { computeStats, writeStats } from '../../datasets/benchmark/stats.js';
import { CelmError } from '../../errors.js';

interface BuildCli {
  source: string;
  out: string;
  seed: string;
  split?: string;
  preprocess: boolean;
  jobs: string;
  reports?: string;
  windowDays: string;
  llmUrl?: string;
  llmModel?: string;
  llmKey?: string;
  minOverlap: string;
  quiet?: boolean;
}

function num(v: string, flag: string, min = 0): number {
  const x = Number(v);
  if (!Number.isFinite(x) || x < min)
    throw new CelmError('usage', `${flag} must be a number >= ${min}, got "${v}"`);
  return x;
}

function fmtTime(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

export function registerDataset(program: Command): void {
  const dataset = program
    .command('dataset')
    .description('Build and inspect EEG-report benchmarks (CELM-style)');
  dataset
    .command('build')
    .description('Pair recordings with reports, structure the reports into CELM sections, split by patient')
    .argument(
      '<path>',
      'TUH tree, BIDS tree, or manifest (CSV/JSONL file or a folder holding manifest.jsonl)',
    )
    .requiredOption('--source <kind>', 'tuh, bids or manifest')
    .requiredOption('--out <dir>', 'output folder (catalog.sqlite, sections.jsonl, splits/, stats.*)')
    .option('--seed <n>', 'split seed', '0')
    .option('--split <t/v/t>', 'train/val/test proportions', '80/10/10')
    .option('--no-preprocess', "do not run celm's preprocessing into OUT/preprocessed")
    .option('--jobs <n>', 'preprocessing worker threads', '1')
    .option('--reports <file>', 'BIDS: reports table (default DIR/reports.csv|.tsv|.jsonl)')
    .option('--window-days <b[:a]>', 'BIDS: days a recording may precede[:follow] its report', '7:1')
    .option(
      '--llm-url <url>',
      'structure reports with an OpenAI-compatible endpoint (llama.cpp, Ollama, vLLM)',
    )
    .option('--llm-model <name>', 'model name for --llm-url')
    .option('--llm-key <key>', 'API key for --llm-url (default $CELM_LLM_KEY)')
    .option('--min-overlap <f>', 'validation: word overlap a section needs when not found verbatim', '0.9')
    .option('--quiet', 'no progress on stderr')
    .action(async (path: string, o: BuildCli) => {
      if (!['tuh', 'bids', 'manifest'].includes(o.source))
        throw new CelmError('usage', `--source must be tuh, bids or manifest, got "${o.source}"`);
      if (o.llmUrl && !o.llmModel) throw new CelmError('usage', '--llm-url needs --llm-model');
      const [b, a] = o.windowDays.split(':');
      const minOverlap = num(o.minOverlap, '--min-overlap');
      if (minOverlap > 1) throw new CelmError('usage', `--min-overlap must be at most 1, got ${minOverlap}`);
      const exitAfter = process.env.CELM_BENCHMARK_EXIT_AFTER;
      let lastDraw = 0;
      const tty = process.stderr.isTTY;
      const summary = await buildBenchmark({
        source: o.source as SourceKind,
        input: path,
        out: o.out,
        seed: Math.floor(num(o.seed, '--seed')),
        ratios: o.split ? parseRatios(o.split) : DEFAULT_RATIOS,
        preprocess: o.preprocess,
        jobs: Math.max(1, Math.floor(num(o.jobs, '--jobs', 1))),
        minOverlap,
        bids: {
          reports: o.reports,
          windowBefore: num(b, '--window-days'),
          windowAfter: a === undefined ? 1 : num(a, '--window-days'),
        },
        llm: o.llmUrl
          ? { url: o.llmUrl, model: o.llmModel as string, apiKey: o.llmKey ?? process.env.CELM_LLM_KEY }
          : undefined,
        exitAfter: exitAfter ? Number(exitAfter) : undefined,
        onProgress: (p) => {
          if (o.quiet) return;
          const now = Date.now();
          if (p.done < p.total && now - lastDraw < (tty ? 200 : 5000)) return;
          lastDraw = now;
          const line = `${p.phase === 'items' ? 'items' : 'preprocessing'} ${p.done}/${p.total}${p.phase === 'items' ? ` (${p.skipped} unchanged)` : ''}, ETA ${fmtTime(p.etaS)}`;
          process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
        },
      });
      if (!o.quiet && tty) process.stderr.write('\n');
      console.log(
        `${summary.ok} reports built (${summary.failed} failed extraction, ${summary.errors} items with errors; ${summary.skipped} unchanged), ${summary.recordings} recordings${o.preprocess ? `, ${summary.preprocessed} preprocessed${summary.preprocessFailed ? `, ${summary.preprocessFailed} preprocessing failures` : ''}` : ''} -> ${summary.out}`,
      );
      if (summary.errors || summary.failed) console.log(`details: celm dataset stats ${o.out}`);
      if (summary.ok === 0) {
        console.error('celm: nothing could be built (no report passed); see the errors in stats.json');
        process.exitCode = 2;
      }
    });
  dataset
    .command('stats')
    .description('Counts, hours, duration histogram, section frequencies and failures of a built benchmark')
    .argument('<dir>', 'output folder of celm dataset build')
    .option('--json', 'print stats.json')
    .action(async (dir: string, o: { json?: boolean }) => {
      const cat = join(dir, 'catalog.sqlite');
      if (!existsSync(cat))
        throw new CelmError('usage', `${dir}: no catalog.sqlite (run celm dataset build first)`);
      const db = openCatalog(cat);
      const s = computeStats(db);
      db.close();
      await writeStats(dir, s);
      if (o.json) {
        console.log(JSON.stringify(s, null, 2));
        return;
      }
      const lines = [
        `patients ${s.patients}, reports ${s.reports.total} (ok ${s.reports.ok}, extraction failed ${s.reports.failed}, errors ${s.reports.error}), sessions ${s.sessions}`,
        `recordings ${s.recordings.ok} ok / ${s.recordings.total} (${s.recordings.unmatched} unmatched), ${s.hours.toFixed(2)} h`,
        `splits: ${Object.entries(s.splits)
          .map(([k, v]) => `${k} ${v.patients} patients / ${v.reports} reports / ${v.hours.toFixed(2)} h`)
          .join('; ')}`,
        'durations (min): ' +
          s.duration_histogram
            .filter((b) => b.count > 0)
            .map((b) => `${b.from_min}-${b.to_min ?? ''}: ${b.count}`)
            .join(', '),
        `sections: ${Object.entries(s.section_frequency)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
        `preprocessing: ${Object.entries(s.preprocessing)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
        ...s.preprocessing_failures.slice(0, 20).map((f) => `  preprocessing failed: ${f.path}: ${f.error}`),
        `extraction failures: ${s.extraction_failures.count}`,
        ...s.extraction_failures.items.slice(0, 20).map((f) => `  ${f.id}: ${f.reasons.join('; ')}`),
        `errors: ${s.errors.count} items (${Object.entries(s.errors.by_reason)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')})`,
        ...s.errors.items
          .slice(0, 30)
          .map((e) => `  ${e.file}${e.place ? ` [${e.place}]` : ''}: ${e.reason}`),
        `plot: ${join(dir, 'stats.svg')}`,
      ];
      console.log(lines.join('\n'));
    });
}
