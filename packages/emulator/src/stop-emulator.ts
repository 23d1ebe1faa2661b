/** Shutting an emulator down, the counterpart of `start-emulator.ts`: the order of its steps is what matters. */
import { rm } from 'node:fs/promises';
import { GrpcStatus } from '@zerobus/sdk/wire';
import type { GrpcListener } from './grpc/listener.js';
import type { RunningHttpServer } from './http/http-server.js';
import type { EmulatorState } from './state.js';
import type { Waiters } from './waiters.js';

/**
 * What `Emulator.close()` does: open calls end with UNAVAILABLE first, then both servers close (never
 * waiting longer than the grace period), then commits under way finish; a temporary data directory goes last.
 */
export async function stopEmulator(
  state: EmulatorState,
  waiters: Waiters,
  grpcListener: GrpcListener,
  httpServer: RunningHttpServer,
): Promise<void> {
  state.closing = true;
  for (const session of [...state.sessions]) session.fail(GrpcStatus.UNAVAILABLE, 'emulator is shutting down');
  await Promise.all([grpcListener.close(state.options.shutdownGraceMs), httpServer.close()]);
  await state.sinks.close();
  if (state.options.dataDir === undefined) await rm(state.catalog.dataDir, { recursive: true, force: true });
  waiters.close();
}
