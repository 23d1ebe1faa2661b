/**
 * Fault injection for tests: the hooks on `emulator.faults`. Armed faults are plain queued
 * values; the gRPC service and the token endpoint consume them at well-defined points, so a
 * test that arms a fault before acting gets the same outcome on every run.
 */

import { GrpcStatus } from '@zerobus/sdk/wire';
import { type StatusInput, toStatusCode } from './options.js';

/** What the fault hooks need from the running emulator. */
export interface FaultTarget {
  /** Ends the call with a status (after any messages already queued). */
  fail(code: number, details: string): void;
  /** Sends close_stream_signal and ends the call after `durationMs`; false when no stream was created yet. */
  sendCloseSignal(durationMs: number, endCode: number, details: string): boolean;
  /** Sends the cumulative ack withheld while acking was stopped. */
  flushAck(): void;
  /** The OAuth client whose token opened the call, when auth is on. */
  readonly clientId: string | undefined;
}

export interface FaultTargets {
  activeSessions(): Iterable<FaultTarget>;
  /** Destroys every gRPC connection; returns how many there were. */
  dropConnections(): number;
}

export interface InjectedFailure {
  readonly code: number;
  readonly details: string;
}

export interface AfterRequestsFailure extends InjectedFailure {
  /** Send the ack for the stored requests before failing (default false: they stay unacked). */
  readonly ackFirst: boolean;
}

/**
 * Options of {@link EmulatorFaults.failFlightAfterRows}.
 *
 * @example
 * ```ts
 * import type { FlightRowsOptions } from '@zerobus/emulator';
 *
 * // two calls in a row commit 150 rows, then end with UNAVAILABLE
 * const options: FlightRowsOptions = { status: 'UNAVAILABLE', message: 'server restarting', times: 2 };
 * emulator.faults.failFlightAfterRows(150, options);
 * await arrowStream.ingestBatchOffset(recordBatch);
 * await arrowStream.flush(); // the SDK re-sent exactly the unacknowledged rows: none lost, none twice
 * ```
 */
export interface FlightRowsOptions {
  /** Status the call ends with. Default UNAVAILABLE (retriable: the client reconnects and re-sends the rest). */
  status?: StatusInput;
  /** Status message the call ends with. Default `injected failure after <rows> rows`. */
  message?: string;
  /** Apply to this many calls in a row (each gets the same row budget). Default 1. */
  times?: number;
}

/** What a Flight call does with a record batch when the partial-ack fault is armed. */
export interface FlightRowsCut {
  /** Rows of this batch to commit (the first ones); the rest are dropped. */
  readonly keep: number;
  /** How the call ends once the kept rows are durable and acknowledged. */
  readonly failure: InjectedFailure;
}

/**
 * Options of {@link EmulatorFaults.sendCloseSignal}.
 *
 * @example
 * ```ts
 * import type { CloseSignalOptions } from '@zerobus/emulator';
 *
 * stream.once('closeSignal', ({ durationMs }) => console.log(`the server ends this call in ${durationMs} ms`));
 * const options: CloseSignalOptions = { endStatus: 'UNAVAILABLE', message: 'server draining' };
 * emulator.faults.sendCloseSignal(1_000, options); // a call still open 1 s later ends with UNAVAILABLE
 * ```
 */
export interface CloseSignalOptions {
  /** Status the call ends with after the duration. Default CANCELLED. */
  endStatus?: StatusInput;
  /** Status message the calls end with. Default `stream closed by the server after close_stream_signal`. */
  message?: string;
}

/**
 * The fault hooks, as tests see them on `emulator.faults`.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { afterEach } from 'node:test';
 *
 * afterEach(() => emulator.faults.reset()); // nothing armed leaks into the next test
 *
 * await stream.ingestRecordOffset(record);
 * emulator.faults.dropConnections(); // resets every TCP connection: a real transport failure
 * await stream.ingestRecordOffset(record);
 * await stream.flush(); // the SDK reconnected and replayed what was not acknowledged
 * assert.ok(emulator.records('main.iot.readings').length >= 2); // at least once: a replay may store a record twice
 * ```
 */
export interface EmulatorFaults {
  /** The next call ends with `status` right after the server sent its headers. Queues: call it n times for n calls. */
  failNextCall(status: StatusInput, message?: string): void;
  /**
   * The next `n` stream creations are answered with `status` instead of a stream: create_stream
   * requests, and the schema message of Arrow Flight `DoPut` calls.
   */
  failNextCreates(n: number, status: StatusInput, message?: string): void;
  /** Ends every open call with `status`; returns how many calls were ended. */
  failActiveStreams(status: StatusInput, message?: string): number;
  /**
   * Once a stream has stored `n` more ingest requests (Arrow Flight: record batches), it ends with `status`. The fault attaches
   * to the first stream that stores a request after arming (an open one included) and starts
   * over if that stream ends first; `n = 0` instead fails the next stream created, right after
   * its create_stream_response. The n requests stay stored; an ack not yet sent for them is
   * dropped unless `ackFirst`. `times` (default 1) applies it to that many streams in a row, so
   * that every reconnect fails the same way. Arming again replaces the previous arming.
   * On a Unity Catalog (Delta) table `ackFirst` makes the call wait for the group commit holding
   * the n requests, acknowledge them, and only then end (requests arriving meanwhile are ignored),
   * so the client sees the acks before the status and replays none of them; other streams' commits
   * are not held up. Without `ackFirst` the call ends at once while their commit still lands.
   */
  failAfterRequests(
    n: number,
    status: StatusInput,
    message?: string,
    options?: { ackFirst?: boolean; times?: number },
  ): void;
  /**
   * Partial acknowledgement on Arrow Flight: the next `DoPut` call that sends a record batch
   * (an open one included) has only the first `rows` rows it sends from then on committed —
   * possibly ending inside a batch — and acknowledged (`ack_up_to_offset` = its last complete
   * batch, `ack_up_to_records` = every row durable on the call), then it ends with `status`
   * (default UNAVAILABLE). Later rows are dropped, so a client must re-send exactly the
   * unacknowledged rows. A call that ends before reaching `rows` hands the fault on to the
   * next one. Arming again replaces the previous arming.
   */
  failFlightAfterRows(rows: number, options?: FlightRowsOptions): void;
  /** Withhold acks from now on; records are still stored. */
  stopAcking(): void;
  /** Acknowledge again; every open stream at once gets its cumulative ack. */
  resumeAcking(): void;
  /** Whether acks are withheld (`stopAcking()` was called, not yet undone). */
  readonly ackingStopped: boolean;
  /** Resets every gRPC TCP connection (clients see UNAVAILABLE); returns how many there were. */
  dropConnections(): number;
  /**
   * Sends close_stream_signal{duration} to every created stream and ends each call after it.
   * Returns the count. Arrow Flight has no close signal: its calls are left alone.
   */
  sendCloseSignal(durationMs: number, options?: CloseSignalOptions): number;
  /** The next `n` token requests are answered with `httpStatus` (default 503). */
  tokenEndpointFailures(n: number, httpStatus?: number): void;
  /** Every token issued so far is expired from now on. */
  expireTokens(): void;
  /**
   * Revokes the Unity Catalog grants of a principal, as an admin would mid-stream: its open
   * streams end with PERMISSION_DENIED and new streams are refused the same way (its
   * credentials still get tokens). Returns how many streams were ended.
   */
  revokeGrants(clientId: string): number;
  /** Whether `revokeGrants` was called for this principal (and not undone by `reset`). */
  isRevoked(clientId: string): boolean;
  /** Disarms every pending fault and resumes acking. */
  reset(): void;
}

function count(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name}: n must be a non-negative integer`);
  return n;
}

interface ArmedFlightRows extends InjectedFailure {
  readonly rows: number;
  remaining: number;
  times: number;
  target: FaultTarget | undefined;
}

interface ArmedAfterRequests extends AfterRequestsFailure {
  readonly n: number;
  remaining: number;
  /** Streams still to fail this way. */
  times: number;
  target: FaultTarget | undefined;
}

export class FaultController implements EmulatorFaults {
  private readonly callFailures: InjectedFailure[] = [];
  private readonly createFailures: InjectedFailure[] = [];
  private readonly tokenFailures: number[] = [];
  private readonly revoked = new Set<string>();
  private afterRequests: ArmedAfterRequests | undefined;
  private flightRows: ArmedFlightRows | undefined;
  private acking = true;

  constructor(
    private readonly targets: FaultTargets,
    private readonly expireAllTokens: () => void,
  ) {}

  failNextCall(status: StatusInput, message?: string): void {
    const code = toStatusCode(status);
    this.callFailures.push({ code, details: message ?? 'injected call failure' });
  }

  failNextCreates(n: number, status: StatusInput, message?: string): void {
    const code = toStatusCode(status);
    for (let i = 0; i < count('failNextCreates', n); i++) {
      this.createFailures.push({ code, details: message ?? 'injected create_stream failure' });
    }
  }

  failActiveStreams(status: StatusInput, message?: string): number {
    const code = toStatusCode(status);
    const sessions = [...this.targets.activeSessions()];
    for (const session of sessions) session.fail(code, message ?? 'injected stream failure');
    return sessions.length;
  }

  failAfterRequests(
    n: number,
    status: StatusInput,
    message?: string,
    options: { ackFirst?: boolean; times?: number } = {},
  ): void {
    const times = options.times ?? 1;
    if (!(times >= 1)) throw new RangeError('times must be at least 1');
    this.afterRequests = {
      times,
      n: count('failAfterRequests', n),
      remaining: n,
      code: toStatusCode(status),
      details: message ?? `injected failure after ${n} requests`,
      ackFirst: options.ackFirst ?? false,
      target: undefined,
    };
  }

  failFlightAfterRows(rows: number, options: FlightRowsOptions = {}): void {
    const times = options.times ?? 1;
    if (!(Number.isInteger(times) && times >= 1)) throw new RangeError('times must be a positive integer');
    this.flightRows = {
      rows: count('failFlightAfterRows', rows),
      remaining: rows,
      times,
      code: toStatusCode(options.status ?? 'UNAVAILABLE'),
      details: options.message ?? `injected failure after ${rows} rows`,
      target: undefined,
    };
  }

  stopAcking(): void {
    this.acking = false;
  }

  resumeAcking(): void {
    this.acking = true;
    for (const session of [...this.targets.activeSessions()]) session.flushAck();
  }

  get ackingStopped(): boolean {
    return !this.acking;
  }

  dropConnections(): number {
    return this.targets.dropConnections();
  }

  sendCloseSignal(durationMs: number, options: CloseSignalOptions = {}): number {
    if (!Number.isFinite(durationMs) || durationMs < 0) throw new RangeError('durationMs must be non-negative');
    const endCode = toStatusCode(options.endStatus ?? 'CANCELLED');
    const details = options.message ?? 'stream closed by the server after close_stream_signal';
    let signalled = 0;
    for (const session of [...this.targets.activeSessions()]) {
      if (session.sendCloseSignal(durationMs, endCode, details)) signalled++;
    }
    return signalled;
  }

  tokenEndpointFailures(n: number, httpStatus = 503): void {
    if (!Number.isInteger(httpStatus) || httpStatus < 400 || httpStatus > 599) {
      throw new RangeError('httpStatus must be a 4xx or 5xx status');
    }
    for (let i = 0; i < count('tokenEndpointFailures', n); i++) this.tokenFailures.push(httpStatus);
  }

  expireTokens(): void {
    this.expireAllTokens();
  }

  revokeGrants(clientId: string): number {
    this.revoked.add(clientId);
    let ended = 0;
    for (const session of [...this.targets.activeSessions()]) {
      if (session.clientId !== clientId) continue;
      session.fail(GrpcStatus.PERMISSION_DENIED, `the grants of principal ${clientId} on this table were revoked`);
      ended++;
    }
    return ended;
  }

  isRevoked(clientId: string): boolean {
    return this.revoked.has(clientId);
  }

  reset(): void {
    this.callFailures.length = 0;
    this.createFailures.length = 0;
    this.tokenFailures.length = 0;
    this.revoked.clear();
    this.afterRequests = undefined;
    this.flightRows = undefined;
    this.resumeAcking();
  }

  // -------------------------------------------------------------------------------------------
  // Consumed by the service and the token endpoint; not part of the public interface.

  takeCallFailure(): InjectedFailure | undefined {
    return this.callFailures.shift();
  }

  takeCreateFailure(): InjectedFailure | undefined {
    return this.createFailures.shift();
  }

  takeTokenFailure(): number | undefined {
    return this.tokenFailures.shift();
  }

  /** Called once a stream was created; returns the failure to apply now (the `n = 0` case). */
  afterCreate(): AfterRequestsFailure | undefined {
    const armed = this.afterRequests;
    if (armed?.n !== 0) return undefined;
    this.#consume(armed);
    return armed;
  }

  /** Called after a stream stored an ingest request; returns the failure to apply now. */
  afterIngest(target: FaultTarget): AfterRequestsFailure | undefined {
    const armed = this.afterRequests;
    if (!armed || armed.remaining === 0) return undefined;
    armed.target ??= target;
    if (armed.target !== target) return undefined;
    armed.remaining--;
    if (armed.remaining > 0) return undefined;
    this.#consume(armed);
    return armed;
  }

  /** One stream was failed by the after-requests fault: disarm, or re-arm for the next stream. */
  #consume(armed: ArmedAfterRequests): void {
    armed.times--;
    if (armed.times > 0) {
      armed.target = undefined;
      armed.remaining = armed.n;
    } else {
      this.afterRequests = undefined;
    }
  }

  /**
   * Called when a Flight call received a record batch of `rows` rows: the cut to apply when the
   * partial-ack fault ends the call within (or right after) this batch, else undefined.
   */
  takeFlightRows(target: FaultTarget, rows: number): FlightRowsCut | undefined {
    const armed = this.flightRows;
    if (!armed) return undefined;
    armed.target ??= target;
    if (armed.target !== target) return undefined;
    if (rows < armed.remaining) {
      armed.remaining -= rows;
      return undefined;
    }
    const keep = armed.remaining;
    armed.times--;
    if (armed.times > 0) {
      armed.target = undefined;
      armed.remaining = armed.rows;
    } else {
      this.flightRows = undefined;
    }
    return { keep, failure: { code: armed.code, details: armed.details } };
  }

  /** A stream a fault attached to went away: start over on the next one. */
  detach(target: FaultTarget): void {
    const armed = this.afterRequests;
    if (armed?.target === target) {
      armed.target = undefined;
      armed.remaining = armed.n;
    }
    const rows = this.flightRows;
    if (rows?.target === target) {
      rows.target = undefined;
      rows.remaining = rows.rows;
    }
  }
}
