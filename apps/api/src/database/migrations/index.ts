import { Instances1764201600000 } from './1764201600000-instances';

/** Every migration, oldest first. Generate new ones with `npm run migration:generate`. */
export const MIGRATIONS = [Instances1764201600000];
