/**
 * Base class for errors caused by input or usage (a malformed file, an unknown channel, a bad flag):
 * the CLI prints their message on one line and exits with status 2; anything else is a bug.
 */
export class CelmError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'CelmError';
    this.code = code;
  }
}
