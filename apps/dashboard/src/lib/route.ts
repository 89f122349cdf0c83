export const PAGES = [
  { id: 'overview', title: 'Overview' },
  { id: 'keys', title: 'Keys & rotations' },
  { id: 'audit', title: 'Audit' },
  { id: 'policies', title: 'Policies' },
  { id: 'models', title: 'Models' },
] as const;

export type PageId = (typeof PAGES)[number]['id'];

/**
 * The page a location hash names ("#/keys"); anything else is the overview. Hash routes need no
 * server support: the API serves only the built files.
 */
export function pageFromHash(hash: string): PageId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return PAGES.find((p) => p.id === id)?.id ?? 'overview';
}

export const hrefOf = (page: PageId) => `#/${page}`;
