import type { Command } from 'commander';
import { CELM_SECTIONS } from '../../clinical/sections.js';
import { CelmError } from '../../errors.js';
import { writeFileAtomic } from '../../fs-atomic.js';
import { DEFAULT_GENERATE } from '../../model/generate.js';
import { draftReport, reportToMarkdown } from '../../model/report.js';

interface ReportCliOptions {
  history?: string;
  sections?: string;
  format: string;
  model?: string;
  out?: string;
  beams: string;
  maxTokens: string;
  repetitionPenalty: string;
  repeatNgram: string;
  samples: string;
  guideSamples: string;
  consensus: boolean;
  bank: boolean;
  temperature: string;
  seed: string;
  runtime?: string;
  threads?: string;
  cache?: string;
  calibration: boolean;
  ground: boolean;
  quiet?: boolean;
}

function num(v: string, flag: string, min: number): number {
  const x = Number(v);
  if (!Number.isFinite(x) || x < min)
    throw new CelmError('usage', `${flag} must be a number >= ${min}, got "${v}"`);
  return x;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('Draft the EEG report for one or more recordings (several files = sessions of one report)')
    .argument('<edf...>', 'EDF/EDF+/BDF files')
    .option('--history <text>', 'patient history / reason for referral (conditions the text)')
    .option(
      '--sections <names>',
      `sections to write, comma-separated, in order (default: all): ${CELM_SECTIONS.join(', ')}`,
    )
    .option('--format <f>', 'md or json', 'md')
    .option('--model <dir>', 'model folder (default: the bundled models/default)')
    .option('--out <file>', 'write the report here (atomically) instead of standard output')
    .option('--beams <n>', 'beam width (1 = greedy)', String(DEFAULT_GENERATE.beams))
    .option('--max-tokens <n>', 'tokens per section at most', String(DEFAULT_GENERATE.maxTokens))
    .option(
      '--repetition-penalty <x>',
      'penalty on tokens already written (1 = off)',
      String(DEFAULT_GENERATE.repetitionPenalty),
    )
    .option(
      '--repeat-ngram <n>',
      'forbid repeating any n-gram of this size (0 = off)',
      String(DEFAULT_GENERATE.noRepeatNgram),
    )
    .option(
      '--samples <n>',
      'also sample n texts per section and keep the one that agrees best with the rest (minimum Bayes risk; 0 = off)',
      String(DEFAULT_GENERATE.samples),
    )
    .option(
      '--guide-samples <n>',
      "samples drawn for a section whose text contradicts the model's findings head (0 = no guidance)",
      String(DEFAULT_GENERATE.guideSamples),
    )
    .option(
      '--no-consensus',
      "plain greedy wording: no consensus among the model's wordings of a sentence (consensus decoding)",
    )
    .option(
      '--no-bank',
      "consensus among the model's wordings only, not scored against the training reports' sentences",
    )
    .option('--temperature <x>', 'temperature of the samples', String(DEFAULT_GENERATE.temperature))
    .option('--seed <n>', 'seed of those samples', String(DEFAULT_GENERATE.seed))
    .option('--runtime <r>', 'ort (default) or torch')
    .option('--threads <n>', 'threads for inference and preprocessing')
    .option('--cache <dir>', 'preprocessing and embedding cache (default $CELM_CACHE or ~/.cache/celm)')
    .option(
      '--no-calibration',
      "ignore the model's findings calibration (calibration.json): the findings head alone guides the text",
    )
    .option(
      '--no-ground',
      "keep the decoder's own numbers: no duration, recording list, channels, heart rate, mains, artifact electrode, PDR or focus written from the files and measurements",
    )
    .option('--quiet', 'no progress on stderr')
    .action(async (files: string[], o: ReportCliOptions) => {
      if (o.format !== 'md' && o.format !== 'json')
        throw new CelmError('usage', `--format must be md or json, got "${o.format}"`);
      if (o.runtime && o.runtime !== 'ort' && o.runtime !== 'torch')
        throw new CelmError('usage', `--runtime must be ort or torch, got "${o.runtime}"`);
      const sections = o.sections
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => {
          const hit = CELM_SECTIONS.find(
            (c) => c.toLowerCase() === s.toLowerCase() || c.split('/')[0].toLowerCase() === s.toLowerCase(),
          );
          if (!hit)
            throw new CelmError(
              'usage',
              `--sections: unknown section "${s}" (known: ${CELM_SECTIONS.join(', ')})`,
            );
          return hit;
        });
      let last = '';
      const r = await draftReport({
        files,
        history: o.history,
        sections,
        modelDir: o.model,
        cacheDir: o.cache,
        runtime: o.runtime as 'ort' | 'torch' | undefined,
        threads: o.threads ? Math.floor(num(o.threads, '--threads', 1)) : undefined,
        calibration: o.calibration,
        ground: o.ground,
        generate: {
          beams: Math.floor(num(o.beams, '--beams', 1)),
          maxTokens: Math.floor(num(o.maxTokens, '--max-tokens', 1)),
          repetitionPenalty: num(o.repetitionPenalty, '--repetition-penalty', 1),
          noRepeatNgram: Math.floor(num(o.repeatNgram, '--repeat-ngram', 0)),
          samples: Math.floor(num(o.samples, '--samples', 0)),
          guideSamples: Math.floor(num(o.guideSamples, '--guide-samples', 0)),
          consensus: o.consensus,
          consensusBank: o.bank,
          temperature: num(o.temperature, '--temperature', 0.01),
          seed: Math.floor(num(o.seed, '--seed', 0)),
        },
        onProgress: o.quiet
          ? undefined
          : (stage, done, total) => {
              const line = `${stage}: ${done}/${total}`;
              if (line !== last) process.stderr.write(`\r${line.padEnd(40)}`);
              last = line;
              if (done === total) process.stderr.write('\n');
            },
      });
      const text = o.format === 'json' ? `${JSON.stringify(r, null, 2)}\n` : reportToMarkdown(r);
      if (o.out) {
        writeFileAtomic(o.out, text);
      } else process.stdout.write(text);
    });
}
