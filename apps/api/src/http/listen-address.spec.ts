import { boundUrl } from './listen-address';

describe('boundUrl (the start-up log line)', () => {
  it('names the address really bound, wildcards included', () => {
    expect(boundUrl('http', { address: '0.0.0.0', family: 'IPv4', port: 8600 })).toBe('http://0.0.0.0:8600 (every interface)');
    expect(boundUrl('https', { address: '::', family: 'IPv6', port: 8643 })).toBe('https://[::]:8643 (every interface)');
    expect(boundUrl('http', { address: '127.0.0.1', family: 'IPv4', port: 1234 })).toBe('http://127.0.0.1:1234');
    expect(boundUrl('http', { address: '::1', family: 'IPv6', port: 1234 })).toBe('http://[::1]:1234');
  });
});
