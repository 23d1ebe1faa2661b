/**
 * CSV read as NDJSON (piped on standard input, where NDJSON is the default, or a file named
 * .json): the first line fails as JSON, and the error would say only that. When that line looks
 * like a CSV header — column names separated by commas (or semicolons, tabs) — the error says
 * what to pass instead.
 */
import { InputError } from './coerce.js';

/** The input is not in the format it is read as (CSV read as NDJSON): never a bad record to skip. */
export class WrongFormatError extends InputError {}

const IDENTIFIER = /^[A-Za-z_][\w .-]*$/;

/** The delimiter of `line` if it reads as a CSV header of two or more column names. */
export function csvHeaderDelimiter(line: string): string | undefined {
  for (const delimiter of [',', ';', '\t']) {
    const cells = line.split(delimiter).map((cell) => cell.trim().replace(/^"(.*)"$/, '$1'));
    if (cells.length >= 2 && cells.every((cell) => IDENTIFIER.test(cell))) return delimiter;
  }
  return undefined;
}

/** `looks like CSV: pass --format csv` (and its --delimiter), or undefined when `firstLine` does not. */
export function csvHint(firstLine: string): string | undefined {
  const delimiter = csvHeaderDelimiter(firstLine);
  if (delimiter === undefined) return undefined;
  const flag = delimiter === ',' ? '' : ` --delimiter ${delimiter === '\t' ? "$'\\t'" : `'${delimiter}'`}`;
  return `looks like CSV: pass --format csv${flag}`;
}
