// The Nest face of request validation: `@Body(new ZodValidationPipe(schema))` hands the
// handler a parsed, typed value or refuses the request as `REQUEST.INVALID` (400).
import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { parseRequest } from './request-validation';

export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown, metadata: ArgumentMetadata): z.output<S> {
    return parseRequest(this.schema, value, metadata.type === 'custom' ? 'request' : metadata.type);
  }
}
