/**
 * The report sections CELM generates (arXiv 2601.22197; its section mapping merges the headers of 9,922
 * Harvard reports into these). Shared by the synthetic generator, the baselines and the evaluation, so a
 * generated report, a baseline report and a reference can be compared section by section.
 */
export const CELM_SECTIONS = [
  'EEG DESCRIPTION/DETAILS',
  'BACKGROUND ACTIVITY',
  'EPILEPTIFORM ABNORMALITIES',
  'EVENTS/SEIZURES',
  'SLEEP',
  'IMPRESSION/INTERPRETATION',
] as const;

export type CelmSectionName = (typeof CELM_SECTIONS)[number];

/** One section of a report in CELM's JSON output. */
export interface CelmReportSection {
  section_name: string;
  section_text: string;
}

/** A report as CELM writes it: `{"report_sections":[{"section_name":..., "section_text":...}]}`. */
export interface CelmReport {
  report_sections: CelmReportSection[];
}

/** Plain text of a CELM JSON report: "NAME: text" paragraphs, in order. */
export function celmReportToText(report: CelmReport): string {
  return report.report_sections.map((s) => `${s.section_name}: ${s.section_text}`).join('\n\n');
}
