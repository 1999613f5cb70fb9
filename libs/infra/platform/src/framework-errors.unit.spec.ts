// node's clientError codes -> the platform's codes, and the problem each answers with.
import { clientRequestError } from './framework-errors';
import { PLATFORM_ERROR_STATUS, toProblem } from './problem-details';

const errno = (code: string) => Object.assign(new Error(code), { code });

describe('clientRequestError', () => {
  it.each([
    ['HPE_INVALID_METHOD', 'HTTP.BAD_REQUEST', 400],
    ['HPE_INVALID_HEADER_TOKEN', 'HTTP.BAD_REQUEST', 400],
    ['ERR_HTTP_REQUEST_TIMEOUT', 'HTTP.REQUEST_TIMEOUT', 408],
    ['HPE_HEADER_OVERFLOW', 'REQUEST.HEADERS_TOO_LARGE', 431],
  ])('answers %s as %s (%i)', (code, ours, status) => {
    const error = clientRequestError(errno(code));
    expect(error?.code).toBe(ours);
    const { problem, serverFault } = toProblem(error, PLATFORM_ERROR_STATUS, { instance: '' });
    expect({ status: problem.status, code: problem.code, serverFault }).toEqual({
      status,
      code: ours,
      serverFault: false,
    });
  });

  it('answers nothing to a connection reset: there is no one to answer', () => {
    expect(clientRequestError(errno('ECONNRESET'))).toBeUndefined();
  });
});
