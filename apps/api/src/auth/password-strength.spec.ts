import { passwordWeakness } from './password-strength';

describe('password strength', () => {
  it.each([
    ['12 spaces', ' '.repeat(12), /too easy to guess \(a repeated character\)/],
    ['a word twice', 'passwordpassword', /too easy to guess \(a repeated pattern\)/],
    ['a common password with digits', 'password1234', /too easy to guess/],
    ['a common password, capitalised with a symbol', 'Password123!', /too easy to guess/],
    ['a keyboard row', 'qwertyuiop12', /too easy to guess/],
    ['a sequence', 'abcdefghijkl', /too easy to guess/],
    ['the service name', 'neuralfabric2025', /too easy to guess/],
    ['too short', 'Xk9#vB2q', /^too short: at least 12 characters$/],
  ])('refuses %s', (_name, password, why) => {
    expect(passwordWeakness(password)).toMatch(why);
  });

  it('counts the account name as guessable', () => {
    expect(passwordWeakness('margaret2025!')).toBeUndefined();
    expect(passwordWeakness('margaret2025!', ['margaret'])).toMatch(/too easy to guess/);
  });

  it.each(['correct horse battery staple', 'admin-chosen-password-1', 'pw-5f1c0e9a7d3b2c4e6a8f0b1d', 'Tr0ub4dour&3-lantern'])('accepts %s', (password) => {
    expect(passwordWeakness(password)).toBeUndefined();
  });

  it('judges a long password by its first 64 characters', () => {
    expect(passwordWeakness(`${'correct horse battery staple '.repeat(3)}${'a'.repeat(900)}`)).toBeUndefined();
    expect(passwordWeakness(`${' '.repeat(64)}correct horse battery staple`)).toMatch(/too easy to guess/);
  });
});
