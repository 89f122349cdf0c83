import { Instances1764201600000 } from './1764201600000-instances';
import { PqcSessions1764288000000 } from './1764288000000-pqc-sessions';

/** Every migration, oldest first. Generate new ones with `npm run migration:generate`. */
export const MIGRATIONS = [Instances1764201600000, PqcSessions1764288000000];
