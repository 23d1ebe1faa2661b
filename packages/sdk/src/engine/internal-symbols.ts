/**
 * Symbol-keyed members of `ZerobusStream` for the SDK's own modules (the Node.js stream adapters
 * and telemetry): reachable from them without being part of the public API.
 */

/** `ingestRecordNowait` for the record at a position of a larger input, named in its errors. */
export const ingestAt = Symbol('zerobus.ingestAt');
/** Sends the stream's measurements to telemetry as well. */
export const attachMetricsSink = Symbol('zerobus.attachMetricsSink');
/** The counters of `stats()` without the latency percentiles. */
export const streamTotals = Symbol('zerobus.streamTotals');
