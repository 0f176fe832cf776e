import type { Command } from 'commander';
import { CelmError } from '../../errors.js';
import {
  DEFAULT_PRETRAIN_CONFIG,
  type PretrainConfig,
  pretrain,
  readPretrainConfig,
  validatePretrainConfig,
} from '../../model/pretrain.js';
import { findPreprocessed } from '../../model/segments.js';
import { trainingBackend } from './backend.js';

interface PretrainCliOptions {
  data: string[];
  out: string;
  config?: string;
  steps?: string;
  threads: string;
  restart?: boolean;
  quiet?: boolean;
}

function intFlag(v: string, flag: string, min: number): number {
  if (!/^\d+$/.test(v.trim()) || Number(v) < min)
    throw new CelmError('usage', `${flag} must be an integer >= ${min}, got "${v}"`);
  return Number(v);
}

export function registerPretrain(program: Command): void {
  program
    .command('pretrain')
    .description(
      'Pretrain the segment encoder on preprocessed recordings by masked-patch reconstruction (self-supervised; resumable)',
    )
    .requiredOption(
      '--data <dirs...>',
      "'celm preprocess' output folders (recording folders or their parent)",
    )
    .requiredOption(
      '--out <dir>',
      'output folder: encoder.safetensors, encoder.json, metrics.csv, loss.png, checkpoint/',
    )
    .option(
      '--config <file>',
      'JSON {"encoder": {d, layers, heads}, "train": {...}}; defaults for what is left out',
    )
    .option('--steps <n>', 'training steps (overrides train.maxSteps)')
    .option('--threads <n>', 'CPU threads for libtorch', '1')
    .option('--restart', 'discard a checkpoint in --out instead of resuming it')
    .option('--quiet', 'no progress on stderr')
    .action(async (opts: PretrainCliOptions) => {
      const config: PretrainConfig = opts.config
        ? readPretrainConfig(opts.config)
        : structuredClone(DEFAULT_PRETRAIN_CONFIG);
      if (opts.steps !== undefined) config.train.maxSteps = intFlag(opts.steps, '--steps', 1);
      validatePretrainConfig(config, opts.config ?? 'defaults');
      const threads = intFlag(opts.threads, '--threads', 1);
      const recordings = findPreprocessed(opts.data); // input errors before the backend loads
      const be = trainingBackend();
      be.setNumThreads(threads);
      // Ctrl-C / SIGTERM: finish the current step, write a checkpoint, exit 130/143. A second one kills.
      const controller = new AbortController();
      let signalled: NodeJS.Signals | null = null;
      const onSignal = (sig: NodeJS.Signals) => {
        if (signalled) process.exit(sig === 'SIGINT' ? 130 : 143);
        signalled = sig;
        if (!opts.quiet)
          process.stderr.write(`\npretrain: ${sig}: stopping after this step (again to quit at once)\n`);
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const r = await pretrain(be, {
          data: opts.data,
          recordings,
          out: opts.out,
          config,
          restart: opts.restart,
          quiet: opts.quiet,
          signal: controller.signal,
        });
        const s = r.summary;
        process.stdout.write(
          `${JSON.stringify({
            out: opts.out,
            stop: s.stopReason,
            steps: s.steps,
            resumed_from: s.resumedFrom,
            best_step: s.bestStep,
            best_val_loss: s.bestValLoss,
            last_train_loss: s.lastTrainLoss,
            encoder: r.encoderPath,
            config_hash: r.configHash,
            recordings: r.recordings,
            segments: r.segments,
            steps_per_s: Number(s.stepsPerSecond.toFixed(3)),
          })}\n`,
        );
        if (s.stopReason === 'aborted') process.exitCode = signalled === 'SIGTERM' ? 143 : 130;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
