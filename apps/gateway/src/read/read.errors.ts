// Errors the read API raises itself (the readers' own, READ.BAD_CURSOR and ARTWORK.NOT_FOUND,
// come from @atelier/market-projections). READ_MODEL.BEHIND is the orders API's code for the
// same condition, so a client handles a late read model one way everywhere; its row is in
// ../http-errors.ts (409).
import { CodedError } from '@atelier/kernel';

export class ReadApiError extends CodedError<'READ_MODEL.BEHIND'> {
  override readonly name = 'ReadApiError';
}
