// parseJsonDocument's fast form: asked after JSON.parse and the schema check, its answer taken as
// it is; an undefined answer, and every error, is zod's.
// And the bytes it reads are UTF-8, whatever they hold.
import { z } from 'zod';
import { CodedError, parseJsonDocument, type JsonDocumentFormat } from './index';

class DocError extends CodedError<string> {}
const schema = z.object({ schema: z.literal('doc/v1'), n: z.number().int() });

function format(fast?: (raw: unknown) => z.output<typeof schema> | undefined) {
  const seen: unknown[] = [];
  const f: JsonDocumentFormat<typeof schema, 'DOC'> = {
    schema,
    supportedSchemas: ['doc/v1'],
    what: 'doc',
    area: 'DOC',
    error: DocError,
    ...(fast && {
      fast: (raw: unknown) => {
        seen.push(raw);
        return fast(raw);
      },
    }),
  };
  return { f, seen };
}

const outcome = (bytes: string | null, f: JsonDocumentFormat<typeof schema, 'DOC'>) => {
  try {
    return { ok: parseJsonDocument(bytes, f) };
  } catch (e) {
    const error = e as DocError;
    return { name: error.constructor.name, code: error.code, message: error.message };
  }
};

describe('parseJsonDocument with a fast form', () => {
  it('takes the fast answer as it is, given the freshly parsed value', () => {
    const answer = { schema: 'doc/v1' as const, n: 7 };
    const { f, seen } = format(() => answer);
    expect(parseJsonDocument('{"schema":"doc/v1","n":1,"x":2}', f)).toBe(answer);
    expect(seen).toEqual([{ schema: 'doc/v1', n: 1, x: 2 }]);
  });

  it('asks zod when the fast form gives undefined: the same output, the same errors', () => {
    const { f, seen } = format(() => undefined);
    const { f: zodOnly } = format();
    for (const bytes of [
      '{"schema":"doc/v1","n":1,"x":2}',
      '{"schema":"doc/v1","n":1.5}',
      '{"schema":"doc/v1"}',
      '[]',
    ])
      expect(outcome(bytes, f)).toStrictEqual(outcome(bytes, zodOnly));
    expect(seen).toHaveLength(4);
    expect(outcome('{"schema":"doc/v1","n":1.5}', f)).toMatchObject({ code: 'DOC.INVALID' });
  });

  it('is not asked about an empty value, bytes that are not JSON, or an unknown schema', () => {
    const { f, seen } = format(() => ({ schema: 'doc/v1', n: 0 }));
    expect(outcome(null, f)).toMatchObject({ code: 'DOC.EMPTY' });
    expect(outcome('{', f)).toMatchObject({ code: 'DOC.NOT_JSON' });
    expect(outcome('{"schema":"doc/v2","n":1}', f)).toMatchObject({
      code: 'DOC.UNSUPPORTED_SCHEMA',
    });
    expect(seen).toHaveLength(0);
  });
});

describe('parseJsonDocument of bytes', () => {
  it('reads bytes as UTF-8, all-ASCII ones and others alike', () => {
    const text = z.object({ schema: z.literal('doc/v1'), t: z.string() });
    const f = { ...format().f, schema: text } as unknown as JsonDocumentFormat<typeof text, 'DOC'>;
    for (const t of ['plain 0xabc', 'crème brûlée ✓ 🎨', 'e\u0301 (a combining accent)', ''])
      expect(
        parseJsonDocument(Buffer.from(JSON.stringify({ schema: 'doc/v1', t }), 'utf8'), f),
      ).toEqual({
        schema: 'doc/v1',
        t,
      });
    // Latin-1 bytes are not UTF-8: 0xe9 alone is invalid UTF-8 (U+FFFD), never 'é'.
    const latin1 = Buffer.from('{"schema":"doc/v1","t":"\xe9"}', 'latin1');
    expect(parseJsonDocument(latin1, f)).toEqual({ schema: 'doc/v1', t: '\ufffd' });
  });
});
