import { PqcProtocolError, type PqcErrorCode } from '../errors';

/** Asserts that fn throws a PqcProtocolError with exactly this code. */
export function expectCode(fn: () => unknown, code: PqcErrorCode): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(PqcProtocolError);
  expect((thrown as PqcProtocolError).code).toBe(code);
}

export async function expectCodeAsync(promise: Promise<unknown>, code: PqcErrorCode): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(PqcProtocolError);
  await expect(promise).rejects.toMatchObject({ code });
}

/** Copy with one bit flipped, for tamper tests. */
export function flipBit(bytes: Uint8Array, index = 0): Uint8Array {
  const out = bytes.slice();
  out[index] ^= 0x01;
  return out;
}
