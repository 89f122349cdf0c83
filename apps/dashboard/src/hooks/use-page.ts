import { useEffect, useState } from 'react';
import { PageId, pageFromHash } from '../lib/route';

/** The page the location hash names; follows back/forward and link clicks. */
export function usePage(): PageId {
  const [page, setPage] = useState(() => pageFromHash(window.location.hash));
  useEffect(() => {
    const follow = () => setPage(pageFromHash(window.location.hash));
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  return page;
}
