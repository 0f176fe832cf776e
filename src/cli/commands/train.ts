import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CelmError } from '../../errors.js';
import { resolveTrainConfig, trainReportModel } from '../../model/train.js';
import { trainingBackend } from './backend.js';

interface TrainCliOptions {
  data: string;
  encoder?: string;
  out: string;
  config?: string;
  steps?: string;
  threads?: string;
  restart?: boolean;
  quiet?: boolean;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description(
      'Train the report model (projector, perceiver, decoder) on a benchmark folder, encoder frozen',
    )
    .requiredOption('--data <dir>', "benchmark folder from 'celm dataset build' (splits/, preprocessed/)")
    .option(
      '--encoder <dir>',
      "pretrained encoder folder from 'celm pretrain' (encoder.safetensors, encoder.json)",
    )
    .requiredOption(
      '--out <dir>',
      'model folder: model.json, model.safetensors, tokenizer.json, encoder.*, metrics.csv, loss.png, checkpoint/',
    )
    .option('--config <file>', 'JSON config (model, input, vocabSize, train); unknown keys are errors')
    .option('--steps <n>', 'override train.maxSteps')
    .option('--threads <n>', 'intra-op threads', '2')
    .option('--restart', 'start over even if the folder holds a checkpoint of another configuration')
    .option('--quiet', 'no progress on stderr')
    .action(async (o: TrainCliOptions) => {
      let user: Record<string, unknown> = {};
      if (o.config) {
        try {
          user = JSON.parse(readFileSync(o.config, 'utf8'));
        } catch (e) {
          throw new CelmError('config', `${o.config}: not readable JSON (${(e as Error).message})`);
        }
      }
      const cfg = resolveTrainConfig(user, o.config ?? 'defaults');
      if (o.steps) {
        const n = Number(o.steps);
        if (!Number.isInteger(n) || n < 1)
          throw new CelmError('usage', `--steps must be a positive integer, got "${o.steps}"`);
        cfg.train.maxSteps = n;
      }
      if (cfg.input !== 'features' && !o.encoder)
        throw new CelmError(
          'usage',
          `input '${cfg.input}' needs --encoder DIR (or set "input": "features" in the config)`,
        );
      const threads = Number(o.threads ?? 2);
      const be = trainingBackend();
      const ac = new AbortController();
      const stop = () => ac.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const s = await trainReportModel(be, {
          dataDir: o.data,
          encoderDir: o.encoder ?? null,
          outDir: o.out,
          config: cfg,
          threads,
          restart: o.restart,
          quiet: o.quiet,
          signal: ac.signal,
        });
        if (!o.quiet) process.stderr.write(`done: ${JSON.stringify(s)}\n`);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
