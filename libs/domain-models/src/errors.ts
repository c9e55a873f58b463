/**
 * Errors raised by domain rules. Each has a stable `code`; services map them to their own
 * error hierarchy (an illegal transition is a 409 in an API, a bad task message goes to the
 * DLQ as `data-format`). They never carry secrets: only ids, states and schema paths.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A state change that the aggregate's state machine does not allow. */
export class IllegalTransitionError extends DomainError {
  readonly code = 'ILLEGAL_TRANSITION';
  constructor(
    readonly machine: string,
    readonly from: string | number,
    readonly to: string | number,
    readonly allowed: readonly (string | number)[],
    labels?: (state: string | number) => string,
  ) {
    const show = labels ?? String;
    const next = allowed.length > 0 ? allowed.map(show).join(', ') : 'none (terminal state)';
    super(`${machine}: illegal transition ${show(from)} → ${show(to)}; allowed from ${show(from)}: ${next}`);
  }
}

/** A queue message that is not a valid task: unparseable, unknown type, or a bad payload. */
export class InvalidTaskError extends DomainError {
  readonly code = 'INVALID_TASK';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid task message (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems.join('; ')}`);
  }
}

/** Geometry that passes the JSON Schema but breaks a GeoJSON rule it cannot express (closed rings). */
export class InvalidGeometryError extends DomainError {
  readonly code = 'INVALID_GEOMETRY';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid geometry: ${problems.join('; ')}`);
  }
}
