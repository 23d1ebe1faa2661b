/**
 * What `zerobus ingest` says when the load ends: the summary (stderr, or one JSON line on stdout
 * with --json), or the failure — where the bad record is or why the stream failed, and which
 * input lines are in the table with the `--skip` that resumes after them. A failure's --json line
 * is the summary with `ok: false`, `error: {code, message, hint}` (hint: the resume advice) and
 * `resumeSkip`, the shape every command's --json failure has (failure.ts).
 */
import { ReportedFailure } from '../args.js';
import { failureInfo, redacted, redactedInfo } from '../failure.js';
import { formatBytes, formatCount, formatRange } from '../format.js';
import type { PumpResult } from './pump.js';
import type { Rejects } from './rejects.js';
import type { InputSource, LocatedInputError } from './sources.js';

export interface ReportSettings {
  readonly table: string;
  readonly skip: number;
  readonly dryRun: boolean;
  readonly quiet: boolean;
  readonly json: boolean;
  /** Arrow record batches of this many rows; undefined: single records. */
  readonly arrowBatchRows: number | undefined;
}

interface Summary {
  readonly ok: boolean;
  readonly table: string;
  readonly dryRun: boolean;
  readonly records: number;
  readonly skipped: number;
  /** Bad records set aside (--max-bad-records), written to `rejectFile`. */
  readonly rejected: number;
  readonly rejectFile?: string;
  readonly bytes: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly mbPerSecond: number;
  readonly error?: { readonly code: string; readonly message: string; readonly hint?: string };
  /** On failure: the --skip that resumes after what is in the table. */
  readonly resumeSkip?: number;
  /** --arrow: records went as Arrow record batches, this many. */
  readonly arrow?: true;
  readonly batches?: number;
}

function where(source: InputSource, error: LocatedInputError): string {
  if (error.line === undefined) return `${source.name}: row ${error.ordinal}`;
  return source.unit === 'line'
    ? `${source.name}:${error.line}`
    : `${source.name}:${error.line} (row ${error.ordinal})`;
}

/** `lines 1–4 are`, `line 1 is`. */
function unitsAre(unit: string, first: number, last: number): string {
  return first === last ? `${unit} ${first} is` : `${unit}s ${formatRange(first, last)} are`;
}

/**
 * "lines 1–4 are in the table; rerun with --skip 4 to resume", and the like; `aside` names the
 * bad records among them that are not (set aside in the reject file).
 */
function resumeAdvice(source: InputSource, skip: number, through: number, dryRun: boolean, aside: string): string {
  const unit = source.unit;
  if (dryRun) {
    return through > skip
      ? `dry run: ${unitsAre(unit, skip + 1, through)} valid${aside}; nothing was sent`
      : 'dry run: nothing was sent';
  }
  if (through > skip) {
    const skipped = skip > 0 ? ` (${unit}s ${formatRange(1, skip)} were skipped)` : '';
    return `${unitsAre(unit, skip + 1, through)} in the table${aside}${skipped}; rerun with --skip ${through} to resume`;
  }
  return skip > 0
    ? `no ${unit} of this run is in the table; rerun with --skip ${skip} to resume`
    : 'nothing is in the table; rerun from the start';
}

/** ", 2 bad records set aside in rejects.ndjson" */
function rejectedNote(rejects: Rejects): string {
  if (rejects.count === 0) return '';
  return `, ${formatCount(rejects.count)} bad record${rejects.count === 1 ? '' : 's'} set aside in ${rejects.file}`;
}

/** Prints the summary; on failure, the failure, and throws ReportedFailure (exit 1). */
export function report(
  settings: ReportSettings,
  source: InputSource,
  rejects: Rejects,
  result: PumpResult & { readonly batches?: number },
  seconds: number,
): void {
  const summary: Summary = {
    ok: !result.inputError && result.streamError === undefined && !result.interrupted,
    table: settings.table,
    dryRun: settings.dryRun,
    records: result.records,
    skipped: settings.skip,
    rejected: rejects.count,
    ...(rejects.file !== undefined && { rejectFile: rejects.file }),
    bytes: result.bytes,
    seconds: Number(seconds.toFixed(3)),
    recordsPerSecond: seconds > 0 ? Math.round(result.records / seconds) : 0,
    mbPerSecond: seconds > 0 ? Number((result.bytes / 1e6 / seconds).toFixed(3)) : 0,
    ...(settings.arrowBatchRows !== undefined && { arrow: true, batches: result.batches ?? 0 }),
  };
  const say = (line: string) => process.stderr.write(`zerobus: ${redacted(line)}\n`);
  if (summary.ok) {
    if (settings.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else if (!settings.quiet) {
      const rate = `${formatCount(summary.recordsPerSecond)} records/s, ${summary.mbPerSecond.toFixed(2)} MB/s`;
      const skipped = settings.skip > 0 ? `, ${formatCount(settings.skip)} ${source.unit}s skipped` : '';
      const rest = `${rate}${skipped}${rejectedNote(rejects)}`;
      say(
        settings.dryRun
          ? `dry run: ${formatCount(result.records)} records valid for ${settings.table}, nothing sent (${formatBytes(result.bytes)} in ${seconds.toFixed(2)} s: ${rest})`
          : `${formatCount(result.records)} records (${formatBytes(result.bytes)}) into ${settings.table} in ${seconds.toFixed(2)} s: ${rest}`,
      );
    }
    return;
  }
  let code: string;
  let error: string;
  const n = rejects.count;
  const aside =
    n === 0 ? '' : ` (but for ${formatCount(n)} bad record${n === 1 ? '' : 's'} set aside in ${rejects.file})`;
  let advice = resumeAdvice(source, settings.skip, result.ackedThrough, settings.dryRun, aside);
  if (result.streamError !== undefined) {
    code = failureInfo(result.streamError).code;
    const message = result.streamError instanceof Error ? result.streamError.message : String(result.streamError);
    error = `the stream to ${settings.table} failed: ${message.replace(/^the stream has failed: /, '')}`;
    if (result.sentThrough > result.ackedThrough && !settings.dryRun) {
      const range = formatRange(result.ackedThrough + 1, result.sentThrough);
      advice += ` (${source.unit}s ${range} were handed to the stream but not acknowledged: some of them may be in the table too)`;
    }
  } else if (result.inputError) {
    code = result.inputError.code;
    error = `${where(source, result.inputError)}: ${result.inputError.reason}`;
  } else {
    code = 'INTERRUPTED';
    error = 'interrupted';
  }
  say(error);
  say(advice);
  if (settings.json) {
    const failed: Summary = {
      ...summary,
      error: redactedInfo({ code, message: error, hint: advice }),
      ...(!settings.dryRun && { resumeSkip: result.ackedThrough }),
    };
    process.stdout.write(`${JSON.stringify(failed)}\n`);
  }
  throw new ReportedFailure(1);
}
