/**
 * Something a service needs to work: a connection it opened and must close. Readiness asks
 * each dependency; shutdown closes them in reverse order of opening.
 */
export interface Dependency {
  readonly name: string;
  /** Resolves when the dependency is usable; rejects (with a reason) when it is not. */
  check(): Promise<void>;
  close(): Promise<void>;
}

export interface DependencyStatus {
  name: string;
  ok: boolean;
  latencyMs: number;
  error?: string;
}

export async function checkDependencies(dependencies: readonly Dependency[], timeoutMs: number): Promise<DependencyStatus[]> {
  return Promise.all(
    dependencies.map(async (dependency) => {
      const started = performance.now();
      try {
        await withTimeout(dependency.check(), timeoutMs, `${dependency.name} check timed out after ${timeoutMs} ms`);
        return { name: dependency.name, ok: true, latencyMs: Math.round(performance.now() - started) };
      } catch (err) {
        return {
          name: dependency.name,
          ok: false,
          latencyMs: Math.round(performance.now() - started),
          error: err instanceof Error ? err.message : String(err),
        };
      }
    }),
  );
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
