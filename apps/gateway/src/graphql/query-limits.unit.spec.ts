// The depth and cost measure on a small schema shaped like the gateway's (a paginated root list,
// nested lists with a page size or a domain bound, scalars), with fragments, aliases, variables
// and introspection.
import {
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  getIntrospectionQuery,
  parse,
  validate,
  type GraphQLFieldConfigMap,
} from 'graphql';
import { enforceLimits, limitError, measure, noIntrospection, perItem, upTo } from './query-limits';

const Work: GraphQLObjectType = new GraphQLObjectType({
  name: 'Work',
  fields: (): GraphQLFieldConfigMap<unknown, unknown> => ({
    id: { type: GraphQLString },
    owner: { type: GraphQLString },
    parents: { type: new GraphQLList(Work), extensions: { complexity: upTo(8) } },
    children: {
      type: new GraphQLList(Work),
      args: { limit: { type: GraphQLInt } },
      extensions: { complexity: perItem(20) },
    },
  }),
});
const Page = new GraphQLObjectType({
  name: 'Page',
  fields: { items: { type: new GraphQLList(Work) }, next: { type: GraphQLString } },
});
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      works: {
        type: new GraphQLNonNull(Page),
        args: { limit: { type: GraphQLInt } },
        extensions: { complexity: perItem(50) },
      },
      version: { type: GraphQLString },
    },
  }),
});

const m = (q: string, variables?: Record<string, unknown>, op?: string) =>
  measure(schema, parse(q), variables, op);

describe('measure', () => {
  it('counts every field once and nesting from the root', () => {
    expect(m('{ version }')).toEqual({ depth: 1, introspectionDepth: 0, complexity: 1 });
    // works: 1 + 50 × (items: 1 + id + owner) + next... the page's own fields count per item too.
    expect(m('{ works { items { id owner } next } }')).toEqual({
      depth: 3,
      introspectionDepth: 0,
      complexity: 1 + 50 * (1 + 2 + 1),
    });
  });

  it('multiplies by the page size asked for, literally or through a variable', () => {
    expect(m('{ works(limit: 2) { items { id } } }').complexity).toBe(1 + 2 * 2);
    expect(m('query($n: Int) { works(limit: $n) { items { id } } }', { n: 400 }).complexity).toBe(
      1 + 400 * 2,
    );
    // A variable not given: the default page.
    expect(m('query($n: Int) { works(limit: $n) { items { id } } }').complexity).toBe(1 + 50 * 2);
  });

  it('nests the multipliers of nested lists (bounded ones and paged ones)', () => {
    const q = '{ works(limit: 10) { items { parents { id } children(limit: 5) { id } } } }';
    // items: 1 + parents (1 + 8 × 1) + children (1 + 5 × 1) = 16 per work.
    expect(m(q)).toMatchObject({ depth: 4, complexity: 1 + 10 * 16 });
  });

  it('counts aliases and fragments as the fields they select', () => {
    const aliases = Array.from(
      { length: 30 },
      (_, i) => `a${i}: works(limit: 500) { items { id } }`,
    );
    expect(m(`{ ${aliases.join(' ')} }`).complexity).toBe(30 * (1 + 500 * 2));
    const fragment = `{ works(limit: 3) { items { ...W } } } fragment W on Work { id children { id } }`;
    expect(m(fragment).complexity).toBe(1 + 3 * (1 + 1 + (1 + 20 * 1)));
  });

  it('measures deep nesting through fragments, and survives a fragment cycle', () => {
    const deep = '{ works { items { children { children { children { children { id } } } } } } }';
    expect(m(deep).depth).toBe(7);
    const cycle = '{ works { items { ...A } } } fragment A on Work { children { ...A } }';
    expect(m(cycle).depth).toBe(3);
  });

  it('takes the worst operation when the operation is not named, the named one when it is', () => {
    const doc = 'query Small { version } query Big { works(limit: 100) { items { id } } }';
    expect(m(doc).complexity).toBe(1 + 100 * 2);
    expect(m(doc, {}, 'Small').complexity).toBe(1);
  });

  it('holds introspection to a depth of its own, deep enough for the standard query', () => {
    const standard = m(getIntrospectionQuery());
    expect(standard.depth).toBe(0);
    expect(standard.introspectionDepth).toBe(15);
    expect(limitError(standard, { maxDepth: 4, maxComplexity: 10_000 })).toBeNull();
    let nested = '{ name }';
    for (let i = 0; i < 20; i++) nested = `{ ofType ${nested} }`;
    const abuse = m(`{ __schema { types { fields { type ${nested} } } } }`);
    expect(limitError(abuse, { maxDepth: 4, maxComplexity: 10_000 })?.code).toBe(
      'GRAPHQL.TOO_DEEP',
    );
  });
});

describe('limitError', () => {
  const limits = { maxDepth: 5, maxComplexity: 1_000 };
  it('refuses too deep first, then too complex, with the measure and the limit', () => {
    const deep = limitError({ depth: 6, introspectionDepth: 0, complexity: 5_000 }, limits);
    expect(deep).toMatchObject({ code: 'GRAPHQL.TOO_DEEP', details: { depth: 6, maxDepth: 5 } });
    const wide = limitError({ depth: 2, introspectionDepth: 0, complexity: 1_001 }, limits);
    expect(wide).toMatchObject({
      code: 'GRAPHQL.TOO_COMPLEX',
      details: { complexity: 1_001, maxComplexity: 1_000 },
    });
    expect(limitError({ depth: 5, introspectionDepth: 0, complexity: 1_000 }, limits)).toBeNull();
  });
});

describe('enforceLimits', () => {
  const limits = { maxDepth: 5, maxComplexity: 1_000 };
  it('decides a document again per variables (its measure is kept per document and variables)', () => {
    // One parsed document, as mercurius hands out for the same text: 1 + n × (1 + 1 + 1 + 1).
    const doc = parse('query($n: Int) { works(limit: $n) { items { id owner } next } }');
    const verdict = (variables?: Record<string, unknown>) => {
      try {
        enforceLimits(schema, doc, variables, limits);
        return 'ok';
      } catch (e) {
        return (e as { code: string }).code;
      }
    };
    expect([
      verdict({ n: 10 }),
      verdict({ n: 10 }),
      verdict({ n: 500 }),
      verdict({ n: 10 }),
    ]).toEqual(['ok', 'ok', 'GRAPHQL.TOO_COMPLEX', 'ok']);
    // No variables: the default page (50 × 4 + 1 = 201), the same on each call.
    expect([verdict(), verdict()]).toEqual(['ok', 'ok']);
    // The same document against tighter limits: measured once, refused by these limits.
    expect(() =>
      enforceLimits(schema, doc, { n: 10 }, { maxDepth: 2, maxComplexity: 1_000 }),
    ).toThrow(expect.objectContaining({ code: 'GRAPHQL.TOO_DEEP' }));
  });
});

describe('noIntrospection', () => {
  it('refuses __schema and __type with its code, and leaves __typename alone', () => {
    const errors = validate(schema, parse('{ __schema { types { name } } version __typename }'), [
      noIntrospection,
    ]);
    expect(errors.map((e) => e.extensions['code'])).toEqual(['GRAPHQL.INTROSPECTION_DISABLED']);
    expect(validate(schema, parse('{ version __typename }'), [noIntrospection])).toEqual([]);
  });
});
