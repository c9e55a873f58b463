import { LogCapture } from '@agair/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { handleShutdown } from './shutdown.js';

describe('handleShutdown', () => {
  const logger = createLogger({ name: 'test', level: 'info', destination: new LogCapture() });
  afterEach(() => {
    process.removeAllListeners('SIGTERM');
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('unhandledRejection');
    vi.useRealTimers();
  });

  it('closes and exits 0', async () => {
    const exit = vi.fn();
    const close = vi.fn(async () => undefined);
    handleShutdown({ logger, timeoutMs: 1000, close, exit }).shutdown('SIGTERM');
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(0));
    expect(close).toHaveBeenCalledOnce();
  });

  it('exits 1 when closing fails', async () => {
    const exit = vi.fn();
    handleShutdown({ logger, timeoutMs: 1000, close: async () => Promise.reject(new Error('nope')), exit }).shutdown('SIGTERM');
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(1));
  });

  it('exits 1 when closing overruns the timeout', async () => {
    vi.useFakeTimers();
    const exit = vi.fn();
    handleShutdown({ logger, timeoutMs: 5000, close: () => new Promise<void>(() => undefined), exit }).shutdown('SIGTERM');
    vi.advanceTimersByTime(4999);
    expect(exit).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('exits at once on a second signal', () => {
    const exit = vi.fn();
    const { shutdown } = handleShutdown({ logger, timeoutMs: 5000, close: () => new Promise<void>(() => undefined), exit });
    shutdown('SIGTERM');
    shutdown('SIGINT');
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('reacts to a real SIGTERM', async () => {
    const exit = vi.fn();
    handleShutdown({ logger, timeoutMs: 1000, close: async () => undefined, exit });
    process.kill(process.pid, 'SIGTERM');
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(0));
  });
});
