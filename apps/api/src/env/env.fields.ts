import { isIP } from 'node:net';

/**
 * Typed parsers for single environment variables. Each throws a message fragment that
 * completes "<NAME> ..." so the loader can report every bad variable in one go.
 */
export interface EnvField<T> {
  /** Secret values never reach logs, reports or the env hash. */
  readonly secret: boolean;
  /** Canonical text of a parsed value, used for the env hash and the report. */
  readonly show: (value: T) => string;
  parse(raw: string): T;
}

export class EnvFieldError extends Error {}

const field = <T>(parse: (raw: string) => T, show: (value: T) => string = String, secret = false): EnvField<T> => ({
  parse,
  show,
  secret,
});

export function oneOf<V extends string>(...values: V[]): EnvField<V> {
  return field((raw) => {
    if ((values as string[]).includes(raw)) return raw as V;
    throw new EnvFieldError(`must be one of ${values.join(', ')} (got "${raw}")`);
  });
}

export const bool: EnvField<boolean> = field((raw) => {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new EnvFieldError(`must be one of true, false (got "${raw}")`);
});

export function int(min: number, max: number): EnvField<number> {
  return field((raw) => {
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      throw new EnvFieldError(`must be an integer from ${min} to ${max} (got "${raw}")`);
    }
    return value;
  });
}

export function text(options: { optional?: boolean } = {}): EnvField<string> {
  return field((raw) => {
    if (!raw && !options.optional) throw new EnvFieldError('must not be empty');
    return raw;
  });
}

/** A secret: the raw value is never echoed, not even in its own error message. */
export function secret(validate?: (raw: string) => string | undefined): EnvField<string | undefined> {
  return field(
    (raw) => {
      if (!raw) return undefined;
      const problem = validate?.(raw);
      if (problem) throw new EnvFieldError(`${problem} (value not shown)`);
      return raw;
    },
    (value) => (value ? 'set' : 'unset'),
    true,
  );
}

/** A URL that may carry a password: shown and hashed with the password masked. */
export function url(protocols: string[]): EnvField<string> {
  return field(
    (raw) => {
      const protocol = raw.slice(0, raw.indexOf(':') + 1);
      if (!protocols.includes(protocol)) {
        throw new EnvFieldError(`must start with one of ${protocols.join(', ')} (got "${maskPassword(raw)}")`);
      }
      return raw;
    },
    maskPassword,
  );
}

function maskPassword(raw: string): string {
  return raw.replace(/^([a-z]+:\/\/[^:/@]*):[^@]*@/i, '$1:***@');
}

/** A comma-separated list of allowed values (empty = none), duplicates dropped. */
export function listOf<V extends string>(...values: V[]): EnvField<V[]> {
  return field(
    (raw) => {
      const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = items.filter((item) => !(values as string[]).includes(item));
      if (unknown.length) throw new EnvFieldError(`must be a comma-separated list of ${values.join(', ')} (got "${raw}")`);
      return [...new Set(items)] as V[];
    },
    (value) => value.join(','),
  );
}

/** Who may set X-Forwarded-For / -Proto: nobody, the nearest `hops` peers, or the listed addresses. */
export type ProxyTrust = false | number | string[];

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrRange(item: string): boolean {
  const [address, prefix, ...extra] = item.split('/');
  const version = isIP(address);
  if (!version || extra.length) return false;
  if (prefix === undefined) return true;
  if (isIP(prefix) === version) return true; // a netmask, as in 10.0.0.0/255.0.0.0
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

/**
 * Trusted reverse proxies: `false` (none), a hop count 1..32 (the nearest N peers, whatever their
 * address), or a comma-separated list of IP addresses, CIDR ranges and the names loopback,
 * linklocal, uniquelocal. `true` (trust everyone) is refused: any client could then pick its address.
 */
export const proxyTrust: EnvField<ProxyTrust> = field(
  (raw) => {
    const value = raw.trim();
    if (value === '' || value === 'false' || value === '0') return false;
    if (/^\d+$/.test(value)) {
      const hops = Number(value);
      if (hops >= 1 && hops <= 32) return hops;
    } else {
      const items = value.split(',').map((s) => s.trim()).filter(Boolean);
      if (items.length && items.every((item) => PROXY_NAMES.has(item) || isAddressOrRange(item))) return [...new Set(items)];
    }
    throw new EnvFieldError(
      `must be false, a hop count from 1 to 32, or a comma-separated list of proxy IP addresses or CIDR ranges (or loopback, linklocal, uniquelocal) (got "${raw}")`,
    );
  },
  (value) => (Array.isArray(value) ? value.join(',') : String(value)),
);
