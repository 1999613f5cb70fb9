// How order fields enter over HTTP: the parsers of the intake's JSON, each refusing with a stable
// field code inside `REQUEST.INVALID`'s `errors[]` (docs/api/orders.md). One spelling per value:
// uint fields are canonical decimal strings (JSON numbers lose precision past 2^53, and "1e3",
// "1.0", "007" or "-1" are refused, each with its code), addresses are 20-byte hex in lower case
// or with a correct EIP-55 checksum (a mixed case that is not the checksum is a typo caught here,
// not an order for another address), and objects take no field they do not name.
// Each parser is also registered (zod's global registry) with the JSON Schema of what it takes on
// the wire: they start from z.unknown() to answer each malformed value with its own field code,
// which alone would publish `{}` in the OpenAPI document (orders.openapi.ts). Registering
// describes a parser; it never changes what the parser accepts.
import { z } from 'zod';
import { isAddress } from 'viem';
import type { Address, OrderHash } from '@atelier/kernel';
import type { Hex } from '@atelier/market-domain';

/** Field codes (in `errors[].code`); the problem's own code stays `REQUEST.INVALID`. */
export const FIELD_CODES = {
  notDecimal: 'BIGINT.NOT_DECIMAL',
  negative: 'BIGINT.NEGATIVE',
  tooLarge: 'BIGINT.TOO_LARGE',
  address: 'ID.INVALID_ADDRESS',
  checksum: 'ID.BAD_CHECKSUM',
  hash: 'ID.INVALID_ORDER_HASH',
  signature: 'SIGNATURE.MALFORMED',
  unknownField: 'REQUEST.UNKNOWN_FIELD',
} as const;

type Ctx = z.core.$RefinementCtx<unknown>;
const issue = (ctx: Ctx, code: string, message: string) =>
  ctx.addIssue({ code: 'custom', message, params: { code } });

const CANONICAL = /^(0|[1-9][0-9]*)$/;

/** Registers `schema`'s wire format (JSON Schema 2020-12 keywords) for the OpenAPI document. */
function describeWire<S extends z.ZodType>(schema: S, wire: Record<string, unknown>): S {
  z.globalRegistry.add(schema, wire);
  return schema;
}

/** An unsigned integer of `bits` bits as a canonical decimal string, to a bigint. */
export const zUint = (bits: 8 | 64 | 256) => {
  const max = (1n << BigInt(bits)) - 1n;
  // 2^256 has 78 digits: anything longer is refused before BigInt sees it.
  const maxDigits = max.toString().length;
  const parser = z.unknown().transform((v, ctx): bigint => {
    if (typeof v !== 'string') {
      issue(
        ctx,
        FIELD_CODES.notDecimal,
        v === undefined
          ? `required: a uint${bits} as a decimal string ("123")`
          : `a uint${bits} as a decimal string ("123"), not a JSON ${v === null ? 'null' : typeof v}`,
      );
      return z.NEVER;
    }
    if (/^-(0|[1-9][0-9]*)$/.test(v)) {
      issue(ctx, FIELD_CODES.negative, `a uint${bits} cannot be negative`);
      return z.NEVER;
    }
    if (!CANONICAL.test(v)) {
      const why = /[eE]/.test(v)
        ? 'no exponent form'
        : v.includes('.')
          ? 'no decimal point'
          : /^0[0-9]/.test(v)
            ? 'no leading zeros'
            : 'digits only';
      issue(ctx, FIELD_CODES.notDecimal, `a uint${bits} as a canonical decimal string (${why})`);
      return z.NEVER;
    }
    if (v.length > maxDigits || BigInt(v) > max) {
      issue(ctx, FIELD_CODES.tooLarge, `must fit in a uint${bits} (at most 2^${bits} - 1)`);
      return z.NEVER;
    }
    return BigInt(v);
  });
  return describeWire(parser, {
    type: 'string',
    pattern: CANONICAL.source,
    maxLength: maxDigits,
    description: `uint${bits} as a canonical decimal string`,
  });
};

/** A 20-byte address, lower case or EIP-55; lower-cased (the kernel's Address). */
export const zAddress = z.unknown().transform((v, ctx): Address => {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(v)) {
    issue(ctx, FIELD_CODES.address, 'a 20-byte hex address (0x and 40 hex digits)');
    return z.NEVER;
  }
  const body = v.slice(2);
  const oneCase = body === body.toLowerCase() || body === body.toUpperCase();
  if (!oneCase && !isAddress(v, { strict: true })) {
    issue(
      ctx,
      FIELD_CODES.checksum,
      'the mixed-case address fails its EIP-55 checksum (send it checksummed or all lower case)',
    );
    return z.NEVER;
  }
  return v.toLowerCase() as Address;
});
describeWire(zAddress, {
  type: 'string',
  pattern: '^0x[0-9a-fA-F]{40}$',
  description: 'a 20-byte address, all lower case or EIP-55 checksummed',
});

export const zOrderHash = z.unknown().transform((v, ctx): OrderHash => {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(v)) {
    issue(ctx, FIELD_CODES.hash, 'a 32-byte hex order hash (0x and 64 hex digits)');
    return z.NEVER;
  }
  return v.toLowerCase() as OrderHash;
});
describeWire(zOrderHash, { type: 'string', pattern: '^0x[0-9a-fA-F]{64}$' });

/** Hex bytes: 65 for an EOA, anything a contract wallet takes (EIP-1271), up to 4 KiB. */
export const zSignature = z.unknown().transform((v, ctx): Hex => {
  if (typeof v !== 'string' || !/^0x([0-9a-fA-F]{2}){1,4096}$/.test(v)) {
    issue(ctx, FIELD_CODES.signature, 'hex bytes (0x and an even number of hex digits)');
    return z.NEVER;
  }
  return v.toLowerCase() as Hex;
});
describeWire(zSignature, {
  type: 'string',
  pattern: '^0x([0-9a-fA-F]{2}){1,4096}$',
  description: 'signature bytes: 65 for an EOA, what an EIP-1271 wallet takes otherwise',
});

/** An object that refuses every field it does not name, one issue (with its path) per field,
 *  reported together with the problems of the fields it does name. */
export function zStrict<S extends z.ZodRawShape>(shape: S) {
  const known = new Set(Object.keys(shape));
  const object = z.object(shape);
  const parser = z.unknown().transform((value, ctx): z.output<typeof object> => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      for (const key of Object.keys(value))
        if (!known.has(key))
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `unknown field (this object takes ${[...known].join(', ')})`,
            params: { code: FIELD_CODES.unknownField },
          });
    // z.object strips unknown keys; they were reported above.
    const parsed = object.safeParse(value);
    if (!parsed.success) {
      for (const i of parsed.error.issues) ctx.addIssue(i as Parameters<typeof ctx.addIssue>[0]);
      return z.NEVER;
    }
    return parsed.data;
  });
  // Its fields as the wire takes them (each field parser's own description), and no other field.
  const fields: Record<string, unknown> = {
    ...z.toJSONSchema(object, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }),
  };
  delete fields['$schema'];
  return describeWire(parser, { ...fields, additionalProperties: false });
}
