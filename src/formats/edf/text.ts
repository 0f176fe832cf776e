/** Byte <-> text helpers shared by the EDF header parser, TAL parser and writer. */

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Lossless 1:1 byte -> char mapping (latin-1): what the reader keeps so the writer can restore bytes. */
export function bytesToLatin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

export function latin1ToBytes(s: string, into: Uint8Array, at: number, width: number): void {
  for (let i = 0; i < width; i++) into[at + i] = i < s.length ? s.charCodeAt(i) & 0xff : 0x20;
}

export function isPrintableAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] < 0x20 || bytes[i] > 0x7e) return false;
  return true;
}

/**
 * Header text is ASCII by the spec, but real files carry UTF-8 (newer writers) or a Windows code page
 * (older ones). Prefer UTF-8 when the bytes are valid UTF-8, else latin-1 as MNE does (mne#5943).
 */
export function decodeText(bytes: Uint8Array): string {
  if (isPrintableAscii(bytes)) return latin1.decode(bytes);
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return latin1.decode(bytes);
  }
}

/** Decodes TAL annotation text (UTF-8 by the EDF+ spec); returns null when the bytes are not UTF-8. */
export function decodeUtf8OrNull(bytes: Uint8Array): string | null {
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return null;
  }
}

export function decodeLatin1(bytes: Uint8Array): string {
  return latin1.decode(bytes);
}

/** Field trimming: EDF pads with spaces; some writers pad with NULs instead. */
export function trimField(s: string): string {
  return s.replace(/[\s\0]+$/u, '').replace(/^[\s\0]+/u, '');
}
