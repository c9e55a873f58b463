/**
 * Keeps a lease alive while work runs: calls `renew` every `everyMs` until stopped. When `renew`
 * answers false (the lease was lost: expired before a renewal got through, or swept) it calls
 * `onLost` once and stops; when it throws (the store is away for a moment) it calls `onError` and
 * keeps trying, since the lease is still valid until it expires. The timer never keeps the
 * process alive.
 */
export function keepLeaseAlive(options: {
  renew: () => Promise<boolean>;
  everyMs: number;
  onLost: () => void;
  onError: (err: unknown) => void;
}): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    timer = setTimeout(() => void tick(), options.everyMs);
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
