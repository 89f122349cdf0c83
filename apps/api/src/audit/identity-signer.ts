/**
 * What the audit log needs from the keystore: sign with the active identity key, verify under any
 * version still on disk. KeyService satisfies it; tests hand in a real ML-DSA-65 key.
 */
export abstract class IdentitySigner {
  abstract signWithIdentity(message: Uint8Array, context: string): { keyVersion: number; signature: Uint8Array };
  abstract verifyIdentitySignature(keyVersion: number, message: Uint8Array, signature: Uint8Array, context: string): boolean;
  /**
   * Brings the verification keys up to date before a full walk of the log: another replica may have
   * rotated moments ago (the database keystore is polled every few seconds). No-op by default.
   */
  async refresh(): Promise<void> {}
}
