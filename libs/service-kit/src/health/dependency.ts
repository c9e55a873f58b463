/**
 * Something a service needs to work: a connection it opened and must close. Readiness asks
 * each dependency; shutdown closes them in reverse order of opening.
 */
export interface Dependency {
  readonly name: string;
  /**
   * The app keeps serving without it (degraded): readiness reports it but does not fail on it,
   * so a blip does not take every replica out of its Service at once. See `optionalDependency`.
   */
  readonly optional?: boolean;
  /** Resolves when the dependency is usable; rejects (with a reason) when it is not. */
  check(): Promise<void>;
  close(): Promise<void>;
}

export interface DependencyStatus {
  name: string;
  ok: boolean;
  /** Present (true) for an optional dependency: not ok means degraded, not unready. */
  optional?: true;
  latencyMs: number;
  error?: string;
}

export async function checkDependencies(dependencies: readonly Dependency[], timeoutMs: number): Promise<DependencyStatus[]> {
  return Promise.all(
    dependencies.map(async (dependency): Promise<DependencyStatus> => {
      const started = performance.now();
      const optional = dependency.optional ? { optional: true as const } : {};
      try {
        await withTimeout(dependency.check(), timeoutMs, `${dependency.name} check timed out after ${timeoutMs} ms`);
        return { name: dependency.name, ok: true, ...optional, latencyMs: Math.round(performance.now() - started) };
      } catch (err) {
        return {
          name: dependency.name,
          ok: false,
          ...optional,
          latencyMs: Math.round(performance.now() - started),
          error: err instanceof Error ? err.message : String(err),
        };
      }
    }),
  );
}

/**
 * The same dependency (checked and closed as before), marked optional: readiness reports it,
 * answers `degraded` while it is down, and stays 200. For a dependency whose every use has a
 * fallback (the APIs' Redis); an app that cannot work without it keeps it required.
 */
export function optionalDependency(dependency: Dependency): Dependency {
  return { name: dependency.name, optional: true, check: () => dependency.check(), close: () => dependency.close() };
}

export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), timeoutMs);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Closes dependencies in reverse order; one failing close does not stop the others. */
export async function closeDependencies(dependencies: readonly Dependency[], onError: (name: string, err: unknown) => void): Promise<void> {
  for (const dependency of [...dependencies].reverse()) {
    try {
      await dependency.close();
    } catch (err) {
      onError(dependency.name, err);
    }
  }
}
