import { DuplicateRecordError } from '@agair/persistence';
import { BadRequestError, ConflictError, NotFoundError, Role, type Principal } from '@agair/service-kit';

/**
 * The customer a request acts for. A customer acts only for itself: naming another customer
 * answers 404, as if it did not exist, so ids cannot be probed. Admin and service callers name
 * the customer; `required` makes that mandatory.
 */
export function actingCustomer(principal: Principal, requested: string | undefined, options: { required: true }): string;
export function actingCustomer(principal: Principal, requested: string | undefined, options?: { required?: false }): string | undefined;
export function actingCustomer(principal: Principal, requested: string | undefined, options: { required?: boolean } = {}): string | undefined {
  if (principal.role === Role.CUSTOMER) {
    const own = principal.customerId ?? undefined;
    if (requested !== undefined && requested !== own) throw new NotFoundError('Customer');
    return own;
  }
  if (options.required && requested === undefined) throw new BadRequestError(`customerId is required for the ${principal.role} role`);
  return requested;
}

/** Unique-index refusals as 409. */
export async function conflictOnDuplicate<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof DuplicateRecordError) throw new ConflictError(`${err.what} already exists`);
    throw err;
  }
}

export const READERS = [Role.ADMIN, Role.CUSTOMER, Role.SERVICE] as const;
export const CUSTOMER_WRITERS = [Role.ADMIN, Role.CUSTOMER] as const;
export const ADMIN_ONLY = [Role.ADMIN] as const;
