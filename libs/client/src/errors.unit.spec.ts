import { AtelierApiError, NOT_A_PROBLEM } from './errors';

describe('AtelierApiError', () => {
  it('carries the problem’s code, status, detail and field errors', () => {
    const e = new AtelierApiError(
      400,
      {
        type: 'urn:atelier:error:REQUEST.INVALID',
        title: 'Bad Request',
        status: 400,
        detail: 'the body is invalid (2 problem(s))',
        instance: '/v1/orders',
        code: 'REQUEST.INVALID',
        errors: [
          { path: '/order/price', message: 'a uint256 …', code: 'BIGINT.NOT_DECIMAL' },
          { path: '/extra', message: 'unknown field' },
        ],
      },
      { method: 'POST', url: '/v1/orders' },
    );
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({
      name: 'AtelierApiError',
      status: 400,
      code: 'REQUEST.INVALID',
      detail: 'the body is invalid (2 problem(s))',
    });
    expect(e.errors).toEqual([
      { path: '/order/price', message: 'a uint256 …', code: 'BIGINT.NOT_DECIMAL' },
      { path: '/extra', message: 'unknown field' },
    ]);
    expect(e.message).toBe(
      '400 REQUEST.INVALID: the body is invalid (2 problem(s)) (POST /v1/orders)',
    );
    expect(e.problem?.instance).toBe('/v1/orders');
  });

  it('names an answer that is no problem, and keeps its text', () => {
    const e = new AtelierApiError(502, '<html>Bad gateway</html>');
    expect(e).toMatchObject({
      code: NOT_A_PROBLEM,
      status: 502,
      detail: '<html>Bad gateway</html>',
    });
    expect(e.errors).toEqual([]);
    expect(e.problem).toBeUndefined();
  });
});
