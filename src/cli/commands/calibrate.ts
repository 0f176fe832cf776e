import type { Command } from 'commander';
import { calibrateModel } from '../../model/calibrate.js';

interface CalibrateCliOptions {
  data: string;
  model: string;
  splits: string;
  threads: string;
  quiet?: boolean;
}

export function registerCalibrate(program: Command): void {
  program
    .command('calibrate')
    .description(
      'Fit the findings calibration of a trained model (measured line noise, ECG, hyperventilation, transients) on its benchmark; writes calibration.json into the model folder',
    )
    .requiredOption(
      '--data <dir>',
      "benchmark folder from 'celm dataset build' (the one the model was trained on)",
    )
    .requiredOption('--model <dir>', "model folder from 'celm train'")
    .option('--splits <names>', 'splits to fit on, comma-separated', 'train')
    .option('--threads <n>', 'inference threads (segment vectors not yet cached)', '2')
    .option('--quiet', 'no progress on stderr')
    .action(async (o: CalibrateCliOptions) => {
      const cal = await calibrateModel({
        dataDir: o.data,
        modelDir: o.model,
        splits: o.splits
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        threads: Number(o.threads),
        quiet: o.quiet,
      });
      // one line per finding: what decides it and how well (cross-validated on the training reports)
      for (const [kind, k] of Object.entries(cal.kinds))
        process.stdout.write(
          `${kind}\t${k.evidence}\tn ${k.n}\tstated ${k.positives}\tAUC ${k.auc ?? '-'}\tCV F1 ${k.cv_f1 ?? '-'}\n`,
        );
    });
}
