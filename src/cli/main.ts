/**
 * The `celm` command. Each subcommand lives in its own module under ./commands and registers itself
 * on the program; this file only wires them and turns input errors into one line and exit status 2.
 *
 * Command modules are imported lazily: a run of `celm preprocess` loads only the preprocessing code,
 * not the review server (fastify), report rendering or the model runtimes, which cost about 0.5 s of
 * CPU and 30 MiB at start-up (a tenth of preprocessing a 1-h recording). Help without a known
 * subcommand loads them all, so `celm --help` still lists everything.
 */
import { Command, CommanderError } from 'commander';
import { CelmError } from '../errors.js';
import { version } from './version.js';

type Register = (program: Command) => void;

/** Subcommand names (as typed) -> the module that registers them, in help order. */
const COMMANDS: { names: string[]; load: () => Promise<Register> }[] = [
  { names: ['info'], load: async () => (await import('./commands/info.js')).registerInfo },
  { names: ['export'], load: async () => (await import('./commands/export.js')).registerExport },
  { names: ['anonymize'], load: async () => (await import('./commands/anonymize.js')).registerAnonymize },
  { names: ['synth'], load: async () => (await import('./commands/synth.js')).registerSynth },
  { names: ['preprocess'], load: async () => (await import('./commands/preprocess.js')).registerPreprocess },
  { names: ['eval'], load: async () => (await import('./commands/eval.js')).registerEval },
  { names: ['dataset'], load: async () => (await import('./commands/dataset.js')).registerDataset },
  { names: ['serve', 'token'], load: async () => (await import('./commands/serve.js')).registerServe },
  { names: ['pretrain'], load: async () => (await import('./commands/pretrain.js')).registerPretrain },
  { names: ['train'], load: async () => (await import('./commands/train.js')).registerTrain },
  { names: ['calibrate'], load: async () => (await import('./commands/calibrate.js')).registerCalibrate },
  { names: ['report'], load: async () => (await import('./commands/report.js')).registerReport },
];

/**
 * The program with the subcommand named in `argv` registered, or every subcommand when none is named
 * (help, usage errors, unknown commands).
 */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('celm')
    .description('Reads clinical EEG recordings (EDF/EDF+/BDF) and drafts the EEG report.')
    .version(version())
    .option('--debug', 'show stack traces of errors')
    .showHelpAfterError()
    .exitOverride();
  // The first word after the global options is the subcommand (celm's global options take no value).
  const word = argv.slice(2).find((a) => !a.startsWith('-'));
  const named = COMMANDS.find((c) => word !== undefined && c.names.includes(word));
  for (const c of named ? [named] : COMMANDS) (await c.load())(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // `celm ... | head`: the reader went away; stop quietly as Unix tools do, not with a stack trace
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const program = await buildProgram(argv);
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
