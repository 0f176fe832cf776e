/**
 * Report exports: Markdown, a FHIR R4 DiagnosticReport (JSON) and PDF. With `deidentified`, nothing from
 * the EDF header (patient name, code, birth date, recording date) nor the uploaded file name goes out;
 * the subject is the recording's random id.
 */
import PDFDocument from 'pdfkit';
import type { ModelOutput } from './store.js';

export interface ExportReport {
  id: string;
  recordingId: string;
  fileName: string;
  source: string;
  createdAt: string;
  signedBy: string | null;
  signedAt: string | null;
  /** The name of the API token that signed (null for reports signed before it was recorded). */
  signedToken: string | null;
  sections: { name: string; text: string; version: number }[];
  measurements: Record<string, unknown>;
  /** The report model's own output (finding probabilities); null for template drafts. */
  modelOutput: ModelOutput | null;
  /** From the EDF header; left out when de-identified. */
  patient: { name: string | null; code: string | null } | null;
  startDateTime: string | null;
}

export function deidentify(r: ExportReport): ExportReport {
  return { ...r, fileName: `${r.recordingId}.edf`, patient: null, startDateTime: null };
}

/** The signer as shown everywhere: the typed name and, when recorded, the token that signed. */
export function signer(r: Pick<ExportReport, 'signedBy' | 'signedToken'>): string {
  return r.signedToken ? `${r.signedBy} (API token "${r.signedToken}")` : (r.signedBy ?? '');
}

function status(r: ExportReport): string {
  return r.signedBy
    ? `Signed by ${signer(r)} at ${r.signedAt}`
    : 'Unsigned draft for a clinician to review, not a diagnosis';
}

export const MEASURED_TITLE = 'Measured values (quantitative EEG, not generated)';
export const MODEL_OUTPUT_TITLE =
  'Model output: finding probabilities (estimates of the report model for the whole recording, not measurements)';

/** The finding probabilities, highest first, as "label: 0.83" lines. */
export function probabilityLines(m: ModelOutput): string[] {
  return Object.entries(m.finding_probabilities)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k.replace(/_/g, ' ')}: ${v.toFixed(2)}`);
}

export function toMarkdown(r: ExportReport): string {
  const lines = [`# EEG report`, ''];
  lines.push(`- Recording: ${r.fileName} (id ${r.recordingId})`);
  if (r.patient?.name || r.patient?.code)
    lines.push(`- Patient: ${[r.patient.name, r.patient.code].filter(Boolean).join(', ')}`);
  if (r.startDateTime) lines.push(`- Recorded: ${r.startDateTime}`);
  lines.push(`- Status: ${status(r)}`, `- Draft source: ${r.source}`, `- Report id: ${r.id}`, '');
  for (const s of r.sections) lines.push(`## ${s.name}`, '', s.text, '');
  lines.push(`## ${MEASURED_TITLE}`, '');
  for (const [k, v] of Object.entries(r.measurements)) lines.push(`- ${k}: ${JSON.stringify(v)}`);
  lines.push('');
  if (r.modelOutput) {
    lines.push(`## ${MODEL_OUTPUT_TITLE}`, '');
    for (const l of probabilityLines(r.modelOutput)) lines.push(`- ${l}`);
    lines.push('');
  }
  return lines.join('\n');
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** FHIR R4 DiagnosticReport for an EEG study (LOINC 11523-8, "EEG study"). */
export function toFhir(r: ExportReport): Record<string, unknown> {
  const text = r.sections.map((s) => `${s.name}: ${s.text}`).join('\n\n');
  const impression = r.sections.find((s) => /IMPRESSION/i.test(s.name))?.text ?? '';
  const res: Record<string, unknown> = {
    resourceType: 'DiagnosticReport',
    id: r.id,
    meta: { profile: ['http://hl7.org/fhir/StructureDefinition/DiagnosticReport'] },
    text: {
      status: 'generated',
      div: `<div xmlns="http://www.w3.org/1999/xhtml">${r.sections.map((s) => `<p><b>${esc(s.name)}</b>: ${esc(s.text)}</p>`).join('')}</div>`,
    },
    status: r.signedBy ? 'final' : 'preliminary',
    // HL7 v2 table 0074 has no neurophysiology section: "OTH", with the text saying what it is.
    category: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'OTH', display: 'Other' }],
        text: 'Neurophysiology (EEG)',
      },
    ],
    code: {
      coding: [{ system: 'http://loinc.org', code: '11523-8', display: 'EEG study' }],
      text: 'EEG study',
    },
    subject: {
      reference: `Patient/${r.recordingId}`,
      ...(r.patient?.name ? { display: r.patient.name } : {}),
    },
    issued: r.signedAt ?? r.createdAt,
    conclusion: impression,
    presentedForm: [
      {
        contentType: 'text/plain; charset=utf-8',
        language: 'en',
        data: Buffer.from(text, 'utf8').toString('base64'),
        title: 'EEG report',
        creation: r.createdAt,
      },
    ],
    extension: [{ url: 'https://celm.dev/fhir/StructureDefinition/report-source', valueString: r.source }],
  };
  if (r.startDateTime) res.effectiveDateTime = r.startDateTime;
  if (r.signedBy) {
    // The interpreter: the name typed at sign-off with the token that signed; the performer: that
    // token's name (the authenticated identity).
    res.resultsInterpreter = [{ display: signer(r) }];
    if (r.signedToken) res.performer = [{ display: r.signedToken }];
  }
  return res;
}

export function toPdf(r: ExportReport): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 56, info: { Title: 'EEG report', Creator: 'celm' } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.font('Helvetica-Bold').fontSize(18).text('EEG report');
    doc.moveDown(0.5).font('Helvetica').fontSize(10);
    doc.text(`Recording: ${r.fileName} (id ${r.recordingId})`);
    if (r.patient?.name || r.patient?.code)
      doc.text(`Patient: ${[r.patient.name, r.patient.code].filter(Boolean).join(', ')}`);
    if (r.startDateTime) doc.text(`Recorded: ${r.startDateTime}`);
    doc.text(`Status: ${status(r)}`);
    doc.text(`Draft source: ${r.source}`);
    for (const s of r.sections) {
      doc.moveDown(0.8).font('Helvetica-Bold').fontSize(12).text(s.name);
      doc
        .moveDown(0.2)
        .font('Helvetica')
        .fontSize(10.5)
        .text(s.text || '(empty)', { align: 'left' });
    }
    doc.moveDown(0.8).font('Helvetica-Bold').fontSize(12).text(MEASURED_TITLE);
    doc.font('Helvetica').fontSize(9.5);
    for (const [k, v] of Object.entries(r.measurements)) doc.text(`${k}: ${JSON.stringify(v)}`);
    if (r.modelOutput) {
      doc.moveDown(0.8).font('Helvetica-Bold').fontSize(12).text(MODEL_OUTPUT_TITLE);
      doc.font('Helvetica').fontSize(9.5);
      doc.text(probabilityLines(r.modelOutput).join(' · '));
    }
    doc.end();
  });
}
