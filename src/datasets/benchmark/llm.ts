/**
 * Optional LLM-assisted report structuring through any OpenAI-compatible chat endpoint (llama.cpp
 * server, Ollama, vLLM: POST {url}/v1/chat/completions). The model is asked for CELM JSON; its answer
 * goes through the same name mapping and the same validation as the rule-based structurer, so text the
 * model rewrote or invented fails validation and is flagged, never kept silently.
 */
import { CELM_SECTIONS } from '../../clinical/sections.js';
import {
  assembleStructured,
  type Category,
  type ExtractedSection,
  OTHER_SECTIONS,
  type StandardName,
  type StructuredReport,
  type StructureOptions,
  standardSectionName,
} from './structure.js';

export interface LlmOptions {
  /** Base URL, e.g. http://127.0.0.1:8080 (a trailing /v1 is accepted). */
  url: string;
  model: string;
  apiKey?: string;
  /** Milliseconds per request (default 120000). */
  timeoutMs?: number;
  temperature?: number;
}

const NAME_TO_CATEGORY: Record<string, Category> = {
  'EEG DESCRIPTION/DETAILS': 'details',
  'BACKGROUND ACTIVITY': 'background',
  'EPILEPTIFORM ABNORMALITIES': 'epileptiform',
  'EVENTS/SEIZURES': 'events',
  SLEEP: 'sleep',
  'IMPRESSION/INTERPRETATION': 'impression',
  'CLINICAL HISTORY': 'history',
  MEDICATIONS: 'medications',
  'TECHNICAL NOTES': 'technical',
  'ACTIVATION PROCEDURES': 'activation',
  'CLINICAL CORRELATION': 'correlation',
  OTHER: 'other',
};

/** The prompt: copy text verbatim into CELM's sections (CELM built its data set with such a prompt). */
export function structuringPrompt(report: string): string {
  return [
    'You split a clinical EEG report into sections. Copy the text of each section VERBATIM from the',
    'report (do not rephrase, summarise or add words). Leave out sections the report does not have.',
    `Section names: ${[...CELM_SECTIONS, ...OTHER_SECTIONS].join('; ')}.`,
    'Return ONLY this JSON, no preamble and no markdown:',
    '{"report_sections": [{"section_name": "...", "section_text": "..."}]}',
    '',
    'REPORT:',
    report,
  ].join('\n');
}

/** Sends one chat completion and returns the assistant's text. Throws on HTTP or protocol errors. */
export async function chatCompletion(o: LlmOptions, prompt: string): Promise<string> {
  const base = o.url.replace(/\/+$/, '').replace(/\/v1$/, '');
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), o.timeoutMs ?? 120_000);
  try {
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: o.model,
        temperature: o.temperature ?? 0,
        messages: [{ role: 'user', content: prompt }],
      }),
      signal: ctl.signal,
    });
    const body = await res.text();
    if (!res.ok) throw new Error(`LLM endpoint ${base}: HTTP ${res.status}: ${body.slice(0, 200)}`);
    const json = JSON.parse(body) as { choices?: { message?: { content?: string } }[] };
    const content = json.choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw new Error(`LLM endpoint ${base}: no choices[0].message.content`);
    return content;
  } finally {
    clearTimeout(timer);
  }
}

/** Extracts the first JSON object of a model answer (tolerates ```json fences and chatter). */
export function parseModelJson(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  const body = fenced ? fenced[1] : text;
  const start = body.indexOf('{');
  const end = body.lastIndexOf('}');
  if (start < 0 || end <= start) throw new Error('no JSON object in the model answer');
  return JSON.parse(body.slice(start, end + 1));
}

/** Structures a report with the model, then maps names and validates as the rules path does. */
export async function structureWithLlm(
  report: string,
  llm: LlmOptions,
  options: StructureOptions = {},
): Promise<StructuredReport> {
  const warnings: string[] = [];
  const fail = (reason: string): StructuredReport => ({
    status: 'failed',
    method: 'llm',
    sections: [],
    report_sections: [],
    other_sections: [],
    patient_history: '',
    validation: { ok: false, checks: [], reasons: [reason] },
    warnings,
  });
  if (report.trim() === '') return fail('empty report');
  let answer: string;
  try {
    answer = await chatCompletion(llm, structuringPrompt(report));
  } catch (err) {
    return fail(`LLM request failed: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseModelJson(answer);
  } catch (err) {
    return fail(`LLM answer is not JSON: ${(err as Error).message}`);
  }
  const list = (parsed as { report_sections?: unknown }).report_sections;
  if (!Array.isArray(list)) return fail('LLM answer has no report_sections array');
  const sections: ExtractedSection[] = [];
  const reasons: string[] = [];
  for (const item of list) {
    const s = item as { section_name?: unknown; section_text?: unknown };
    if (typeof s.section_name !== 'string' || typeof s.section_text !== 'string') {
      reasons.push('LLM section without string section_name/section_text');
      continue;
    }
    const name: StandardName | null = standardSectionName(s.section_name);
    if (!name || name === 'PREAMBLE') {
      reasons.push(`LLM section name not in the vocabulary: "${s.section_name}"`);
      continue;
    }
    sections.push({
      header: s.section_name,
      category: NAME_TO_CATEGORY[name] ?? 'other',
      name,
      text: s.section_text.trim(),
      line: 0,
    });
  }
  const out = assembleStructured(report, sections, 'llm', options, warnings);
  if (reasons.length) {
    out.validation.reasons.push(...reasons);
    out.validation.ok = false;
    out.status = 'failed';
  }
  return out;
}
