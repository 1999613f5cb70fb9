import { quoteIdent, SqlIdentifierError } from './sql';
describe('quoteIdent', () => {
  it('quotes safe names and refuses anything else', () => {
    expect(quoteIdent('read_models')).toBe('"read_models"');
    expect(() => quoteIdent('x"; DROP TABLE y; --')).toThrow(/unsafe/);
    expect(() => quoteIdent('Upper')).toThrow(/unsafe/);
    expect(() => quoteIdent('Upper')).toThrow(SqlIdentifierError);
  });
});
