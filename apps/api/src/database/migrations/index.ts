import { Instances1764201600000 } from './1764201600000-instances';
import { PqcSessions1764288000000 } from './1764288000000-pqc-sessions';
import { Auth1764374400000 } from './1764374400000-auth';
import { Audit1764374400001 } from './1764374400001-audit';
import { Rotations1764374400002 } from './1764374400002-rotations';
import { Telemetry1764460800000 } from './1764460800000-telemetry';
import { LoginThrottle1764900000000 } from './1764900000000-login-throttle';
import { Keystore1764900100000 } from './1764900100000-keystore';
import { RotationKinds1764900200000 } from './1764900200000-rotation-kinds';
import { SessionApiKey1764900300000 } from './1764900300000-session-api-key';
import { RotationVoteReason1764900415000 } from './1764900415000-rotation-vote-reason';

/** Every migration, oldest first. Generate new ones with `npm run migration:generate`. */
export const MIGRATIONS = [
  Instances1764201600000,
  PqcSessions1764288000000,
  Auth1764374400000,
  Audit1764374400001,
  Rotations1764374400002,
  Telemetry1764460800000,
  LoginThrottle1764900000000,
  Keystore1764900100000,
  RotationKinds1764900200000,
  SessionApiKey1764900300000,
  RotationVoteReason1764900415000,
];
