import type { Command } from 'commander';
import { CelmError } from '../../errors.js';
import { anonymizeEdf } from '../../formats/edf/index.js';

export function registerAnonymize(program: Command): void {
  program
    .command('anonymize')
    .description('Write a de-identified copy: EDF+ patient/recording fields replaced, signal bytes unchanged')
    .argument('<in>', 'input EDF/BDF file (never modified)')
    .argument('<out>', 'output file (must not be the input)')
    .option('--patient-code <code>', 'study id to write as the patient code (default X)')
    .option('--shift-days <n>', 'shift the start date by n days')
    .option('--remove-date', 'replace the start date with 01.01.85 and the EDF+ Startdate with X')
    .action(
      (
        input: string,
        output: string,
        opts: { patientCode?: string; shiftDays?: string; removeDate?: boolean },
      ) => {
        const shiftDays = opts.shiftDays === undefined ? undefined : Number(opts.shiftDays);
        if (shiftDays !== undefined && !Number.isInteger(shiftDays))
          throw new CelmError('usage', `--shift-days must be a whole number, got "${opts.shiftDays}"`);
        const r = anonymizeEdf(input, output, {
          patientCode: opts.patientCode,
          shiftDays,
          removeDate: opts.removeDate,
        });
        console.error(`celm: wrote ${output} (${r.records} records, start date ${r.startDate ?? 'removed'})`);
      },
    );
}
