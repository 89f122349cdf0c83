/**
 * Runs a node:crypto key import (createPublicKey, createPrivateKey) without stack traces for the
 * errors Node throws and catches inside it.
 *
 * Node 24 tells a KeyObject from other key input by trying to read a private field: isKeyObject()
 * and isCryptoKey() throw and catch a TypeError for anything else, four of them for each import of
 * a `{ key, format }` object. Every one of those errors captures a stack trace, which costs more
 * than parsing the key: an X25519 public-key import took 30 µs, 13 µs without the traces (Node
 * 24.21, x86-64), and a server handshake imports four keys. Error.stackTraceLimit is read when an
 * error is created, so setting it to 0 for this synchronous call skips the capture and nothing
 * else can observe the change. An error the import really throws gets its stack captured here,
 * on its way out, so it still says where it came from.
 */
export function importQuietly<T>(importKey: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return importKey();
  } catch (error) {
    Error.stackTraceLimit = limit;
    // Not `instanceof Error`: node:crypto's errors may come from another realm (a vm context).
    if (typeof error === 'object' && error !== null) Error.captureStackTrace(error, importQuietly);
    throw error;
  } finally {
    Error.stackTraceLimit = limit;
  }
}
