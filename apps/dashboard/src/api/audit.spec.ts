import { auditQueryString } from './audit';

describe('auditQueryString', () => {
  it('sends only the filters that are set', () => {
    expect(auditQueryString({})).toBe('');
    expect(auditQueryString({ action: 'rotation_approved', actorId: undefined, since: 0 })).toBe('?action=rotation_approved&since=0');
  });

  it('names the slim view and the page size', () => {
    expect(auditQueryString({ actorName: 'vera', view: 'summary', limit: 50 })).toBe('?actorName=vera&view=summary&limit=50');
  });

  it('encodes values', () => {
    expect(auditQueryString({ actorId: 'a b&c', beforeSeq: 51 })).toBe('?actorId=a+b%26c&beforeSeq=51');
  });
});
