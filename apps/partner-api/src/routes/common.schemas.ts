import { ObjectIdStringSchema } from '@agair/domain-models';
import { Type } from 'typebox';

export const IdParams = Type.Object({ id: ObjectIdStringSchema }, { additionalProperties: false });

/** For admin and service callers the customer is named; a customer's own token names it already. */
export const OptionalCustomerId = Type.Optional(ObjectIdStringSchema);
