import { errorMessage } from './client';

describe('errorMessage: what a failed call says', () => {
  it("uses the service's message", () => {
    expect(errorMessage(403, 'Forbidden', { statusCode: 403, error: 'Forbidden', message: 'this needs the admin role', errorId: 'x' })).toBe(
      'this needs the admin role',
    );
  });

  it("replaces the validation summary with the fields' own messages", () => {
    const body = { statusCode: 400, message: 'invalid fields: reason', errors: { reason: 'reason must be longer than or equal to 10 characters' } };
    expect(errorMessage(400, 'Bad Request', body)).toBe('reason must be longer than or equal to 10 characters');
  });

  it('keeps a specific message even when fields are named', () => {
    const body = { statusCode: 400, message: 'the current password is wrong', errors: { current: 'is wrong' } };
    expect(errorMessage(400, 'Bad Request', body)).toBe('the current password is wrong');
  });

  it("uses the Open Inference Protocol's error field", () => {
    expect(errorMessage(503, 'Service Unavailable', { error: 'model tiny-mlp is not ready (LOADING)' })).toBe('model tiny-mlp is not ready (LOADING)');
  });

  it('falls back to plain text, and to the status line for HTML or nothing', () => {
    expect(errorMessage(502, 'Bad Gateway', 'upstream closed')).toBe('upstream closed');
    expect(errorMessage(502, 'Bad Gateway', '<html>proxy error</html>')).toBe('502 Bad Gateway');
    expect(errorMessage(500, '', undefined)).toBe('500 request failed');
  });
});
