import { useEffect, useState } from 'react';

const query = () => window.matchMedia('(prefers-color-scheme: dark)');

/** 'dark' or 'light' as the system prefers, following changes (the canvas charts redraw in its colours). */
export function useColorScheme(): 'dark' | 'light' {
  const [dark, setDark] = useState(() => query().matches);
  useEffect(() => {
    const media = query();
    const follow = () => setDark(media.matches);
    media.addEventListener('change', follow);
    return () => media.removeEventListener('change', follow);
  }, []);
  return dark ? 'dark' : 'light';
}
