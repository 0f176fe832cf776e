/**
 * The `celm` command. Each subcommand lives in its own module under ./commands and registers itself
 * on the program; this file only wires them and turns input errors into one line and exit status 2.
 */
import { Command, CommanderError } from 'commander';
import { CelmError } from '../errors.js';
import { registerAnonymize } from './commands/anonymize.js';
import { registerDataset } from './commands/dataset.js';
import { registerEval } from './commands/eval.js';
import { registerExport } from './commands/export.js';
import { registerInfo } from './commands/info.js';
import { registerPreprocess } from './commands/preprocess.js';
import { registerPretrain } from './commands/pretrain.js';
import { registerReport } from './commands/report.js';
import { registerServe } from './commands/serve.js';
import { registerSynth } from './commands/synth.js';
import { registerTrain } from './commands/train.js';
import { version } from './version.js';

export function buildProgram(): Command {
  const program = new Command('celm')
    .description('Reads clinical EEG recordings (EDF/EDF+/BDF) and drafts the EEG report.')
    .version(version())
    .option('--debug', 'show stack traces of errors')
    .showHelpAfterError()
    .exitOverride();
  registerInfo(program);
  registerExport(program);
  registerAnonymize(program);
  registerSynth(program);
  registerPreprocess(program);
  registerEval(program);
  registerDataset(program);
  registerServe(program);
  registerPretrain(program);
  registerTrain(program);
  registerReport(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version "errors" are normal exits; usage errors were already printed by commander.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    if (err instanceof CelmError) {
      console.error(`celm: ${err.message}`);
      if (debug) console.error(err.stack);
      process.exitCode = 2;
      return;
    }
    console.error(
      `celm: internal error: ${(err as Error)?.message ?? err}${debug ? '' : ' (run with --debug for the stack)'}`,
    );
    if (debug) console.error((err as Error)?.stack);
    process.exitCode = 1;
  }
}
