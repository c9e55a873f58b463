/**
 * Keeps a lease of `leaseMs` alive while work runs: calls `renew` every third of it (at least
 * every 100 ms) until stopped, so one late renewal still lands before the lease runs out. When `renew`
 * answers false (the lease was lost: expired before a renewal got through, or swept) it calls
 * `onLost` once and stops; when it throws (the store is away for a moment) it calls `onError` and
 * keeps trying, since the lease is still valid until it expires. The timer never keeps the
 * process alive.
 */
export function keepLeaseAlive(options: {
  renew: () => Promise<boolean>;
  leaseMs: number;
  onLost: () => void;
  onError: (err: unknown) => void;
}): { stop(): void } {
  const everyMs = Math.max(100, Math.floor(options.leaseMs / 3));
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    timer = setTimeout(() => void tick(), everyMs);
    timer.unref();
  };
  const tick = async (): Promise<void> => {
    if (stopped) return;
    let held = true;
    try {
      held = await options.renew();
    } catch (err) {
      if (!stopped) options.onError(err);
    }
    if (stopped) return;
    if (!held) {
      stopped = true;
      options.onLost();
      return;
    }
    schedule();
  };
  schedule();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
