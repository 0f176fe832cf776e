/**
 * The "13a" tokenizer of mteval-v13a.pl as sacrebleu implements it and HuggingFace `evaluate`'s "bleu"
 * metric calls it (Tokenizer13a): case-sensitive; drops `<skipped>`, joins `-\n` line breaks, turns the
 * other newlines into spaces, unescapes four HTML entities, pads ASCII punctuation except `'`, `-`, `.`
 * and `,`; splits `.` and `,` off unless they sit between digits and `-` when it follows a digit; never
 * splits non-ASCII characters. Splits on Python's `str.split()` whitespace so the tokens are the same.
 */

/** The characters Python's `str.split()` (and `str.isspace()`) treat as whitespace. */
export const PY_WHITESPACE =
  '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_SPLIT = new RegExp(`[${PY_WHITESPACE}]+`, 'u');

/** Python's `str.split()` with no argument: runs of whitespace separate, no empty strings. */
export function pySplit(text: string): string[] {
  const parts = text.split(PY_SPLIT);
  let start = 0;
  let end = parts.length;
  if (end > 0 && parts[0] === '') start = 1;
  if (end > start && parts[end - 1] === '') end--;
  return start === 0 && end === parts.length ? parts : parts.slice(start, end);
}

// ASCII punctuation 13a pads with spaces: { | } ~ [ \ ] ^ _ ` space ! " # $ % & ( ) * + : ; < = > ? @ /
const PAD_PUNCT = /([\x7b-\x7e\x5b-\x60\x20-\x26\x28-\x2b\x3a-\x40\x2f])/gu;
const PERIOD_COMMA_AFTER_NON_DIGIT = /([^0-9])([.,])/gu;
const PERIOD_COMMA_BEFORE_NON_DIGIT = /([.,])([^0-9])/gu;
const DASH_AFTER_DIGIT = /([0-9])(-)/gu;

/** Tokenizes one segment the way `evaluate`'s Tokenizer13a does; returns the tokens. */
export function tokenize13a(segment: string): string[] {
  let line = segment.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (line.includes('&')) {
    line = line
      .replaceAll('&quot;', '"')
      .replaceAll('&amp;', '&')
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>');
  }
  line = ` ${line} `;
  line = line.replace(PAD_PUNCT, ' $1 ');
  line = line.replace(PERIOD_COMMA_AFTER_NON_DIGIT, '$1 $2 ');
  line = line.replace(PERIOD_COMMA_BEFORE_NON_DIGIT, ' $1 $2');
  line = line.replace(DASH_AFTER_DIGIT, '$1 $2 ');
  return pySplit(line);
}
