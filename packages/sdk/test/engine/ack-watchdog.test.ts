import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { AckWatchdog } from '../../src/engine/ack-watchdog.js';

describe('AckWatchdog (lack-of-ack timeout)', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'] }));
  afterEach(() => mock.timers.reset());

  function setup(timeoutMs: number) {
    const inFlight: number[] = []; // send times of unacknowledged requests, oldest first
    let expired = 0;
    const watchdog = new AckWatchdog(
      timeoutMs,
      () => Date.now(),
      () => inFlight[0],
      () => expired++,
    );
    return { inFlight, watchdog, expired: () => expired };
  }

  it('fires timeoutMs after the oldest request was sent', () => {
    const { inFlight, watchdog, expired } = setup(1000);
    inFlight.push(Date.now());
    watchdog.arm();
    mock.timers.tick(999);
    assert.equal(expired(), 0);
    mock.timers.tick(1);
    assert.equal(expired(), 1);
  });

  it('moves on to the next request when the oldest is acknowledged, measured from its own send time', () => {
    const { inFlight, watchdog, expired } = setup(1000);
    inFlight.push(Date.now());
    watchdog.arm();
    mock.timers.tick(600);
    inFlight.push(Date.now()); // sent at t=600
    mock.timers.tick(300);
    inFlight.shift(); // t=900: the first is acknowledged
    watchdog.arm(); // already armed: no new timer
    mock.timers.tick(100); // t=1000: fires, sees the second (sent at 600), re-arms for t=1600
    assert.equal(expired(), 0);
    mock.timers.tick(599);
    assert.equal(expired(), 0);
    mock.timers.tick(1);
    assert.equal(expired(), 1);
  });

  it('repeated acknowledgements that free nothing do not postpone it', () => {
    const { inFlight, watchdog, expired } = setup(500);
    inFlight.push(Date.now());
    watchdog.arm();
    for (let i = 0; i < 4; i++) {
      mock.timers.tick(100);
      watchdog.arm(); // an ack for an offset already acknowledged
    }
    mock.timers.tick(100);
    assert.equal(expired(), 1);
  });

  it('counts only while something is in flight, and clear() stops it', () => {
    const { inFlight, watchdog, expired } = setup(100);
    watchdog.arm();
    mock.timers.tick(1000);
    assert.equal(expired(), 0, 'nothing in flight: never fires');
    inFlight.push(Date.now());
    watchdog.arm();
    watchdog.clear();
    mock.timers.tick(1000);
    assert.equal(expired(), 0);
  });
});
