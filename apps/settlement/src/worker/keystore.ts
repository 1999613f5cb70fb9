// Web3 Secret Storage v3 (the JSON keystore geth, foundry's `cast wallet` and most wallets
// write): the operator's private key encrypted with aes-128-ctr under a key derived from a
// password by scrypt or pbkdf2-hmac-sha256; the MAC (keccak256 of the derived key's second half
// and the ciphertext) tells a wrong password from a corrupt file before anything is decrypted.
// node:crypto does the KDFs and the cipher; keccak256 is viem's. Neither the password nor the
// key ever appears in an error: errors name the file's problem, not its contents.
import {
  createCipheriv,
  createDecipheriv,
  pbkdf2Sync,
  randomBytes,
  randomUUID,
  scryptSync,
  timingSafeEqual,
} from 'node:crypto';
import { bytesToHex, hexToBytes, keccak256 } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { z } from 'zod';
import { CodedError } from '@atelier/kernel';

export type KeystoreErrorCode = 'SETTLEMENT.KEYSTORE_INVALID' | 'SETTLEMENT.KEYSTORE_BAD_PASSWORD';

export class KeystoreError extends CodedError<KeystoreErrorCode> {
  override readonly name = 'KeystoreError';
}

const hex = z.string().regex(/^(0x)?[0-9a-fA-F]*$/, 'hex');
const keystoreSchema = z.object({
  version: z.literal(3),
  address: z.string().optional(),
  crypto: z.object({
    cipher: z.literal('aes-128-ctr'),
    cipherparams: z.object({ iv: hex }),
    ciphertext: hex,
    kdf: z.enum(['scrypt', 'pbkdf2']),
    kdfparams: z.union([
      z.object({
        dklen: z.number().int().min(32).max(64),
        n: z
          .number()
          .int()
          .min(2)
          .max(2 ** 22)
          .refine((n) => (n & (n - 1)) === 0, 'a power of 2'),
        r: z.number().int().min(1).max(64),
        p: z.number().int().min(1).max(64),
        salt: hex,
      }),
      z.object({
        dklen: z.number().int().min(32).max(64),
        c: z.number().int().min(1).max(10_000_000),
        prf: z.literal('hmac-sha256'),
        salt: hex,
      }),
    ]),
    mac: hex,
  }),
});
export type Keystore = z.infer<typeof keystoreSchema>;

const bytes = (h: string): Uint8Array =>
  hexToBytes(h.startsWith('0x') ? (h as `0x${string}`) : `0x${h}`);

function deriveKey(password: string, c: Keystore['crypto']): Buffer {
  const salt = bytes(c.kdfparams.salt);
  const p = c.kdfparams;
  if ('n' in p) {
    if (c.kdf !== 'scrypt') throw invalid('kdfparams do not match kdf');
    // scrypt needs 128·N·r bytes; Node's default cap (32 MiB) is below geth's standard N = 2^18.
    return scryptSync(password.normalize('NFKC'), salt, p.dklen, {
      N: p.n,
      r: p.r,
      p: p.p,
      maxmem: 256 * p.n * p.r + 1024 * 1024,
    });
  }
  if (c.kdf !== 'pbkdf2') throw invalid('kdfparams do not match kdf');
  return pbkdf2Sync(password.normalize('NFKC'), salt, p.c, p.dklen, 'sha256');
}

const invalid = (why: string) =>
  new KeystoreError('SETTLEMENT.KEYSTORE_INVALID', `the operator keystore is not valid: ${why}`);

const macOf = (derived: Uint8Array, ciphertext: Uint8Array): Uint8Array =>
  hexToBytes(keccak256(new Uint8Array([...derived.subarray(16, 32), ...ciphertext])));

/** The private key inside a v3 keystore (its JSON text), or a KeystoreError. */
export function decryptKeystore(json: string, password: string): `0x${string}` {
  let parsed: Keystore;
  try {
    parsed = keystoreSchema.parse(JSON.parse(json));
  } catch (e) {
    throw invalid(
      e instanceof z.ZodError
        ? e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
        : 'not JSON',
    );
  }
  const c = parsed.crypto;
  const derived = deriveKey(password, c);
  const ciphertext = bytes(c.ciphertext);
  const mac = bytes(c.mac);
  const expected = macOf(derived, ciphertext);
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected))
    throw new KeystoreError(
      'SETTLEMENT.KEYSTORE_BAD_PASSWORD',
      'the operator keystore password is wrong (or the file was altered)',
    );
  const iv = bytes(c.cipherparams.iv);
  if (iv.length !== 16) throw invalid('iv must be 16 bytes');
  const decipher = createDecipheriv('aes-128-ctr', derived.subarray(0, 16), iv);
  const key = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  if (key.length !== 32) throw invalid('the key is not 32 bytes');
  const privateKey = bytesToHex(key);
  if (
    parsed.address &&
    privateKeyToAddress(privateKey).toLowerCase() !==
      `0x${parsed.address.replace(/^0x/, '')}`.toLowerCase()
  )
    throw invalid('the decrypted key does not match the address in the file');
  return privateKey;
}

export interface EncryptKeystoreOptions {
  readonly kdf?: 'scrypt' | 'pbkdf2';
  /** scrypt cost (default 2^18, geth's standard). */
  readonly n?: number;
  /** pbkdf2 iterations (default 262,144). */
  readonly c?: number;
}

/** A v3 keystore for `privateKey` (specs; an operator may use it or any wallet's own). */
export function encryptKeystore(
  privateKey: `0x${string}`,
  password: string,
  options: EncryptKeystoreOptions = {},
): Keystore {
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const kdf = options.kdf ?? 'scrypt';
  const kdfparams =
    kdf === 'scrypt'
      ? { dklen: 32, n: options.n ?? 2 ** 18, r: 8, p: 1, salt: salt.toString('hex') }
      : {
          dklen: 32,
          c: options.c ?? 262_144,
          prf: 'hmac-sha256' as const,
          salt: salt.toString('hex'),
        };
  const crypto = {
    cipher: 'aes-128-ctr' as const,
    cipherparams: { iv: iv.toString('hex') },
    ciphertext: '',
    kdf,
    kdfparams,
    mac: '',
  };
  const derived = deriveKey(password, crypto);
  const cipher = createCipheriv('aes-128-ctr', derived.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(hexToBytes(privateKey)), cipher.final()]);
  return {
    version: 3,
    address: privateKeyToAddress(privateKey).slice(2).toLowerCase(),
    crypto: {
      ...crypto,
      ciphertext: ciphertext.toString('hex'),
      mac: Buffer.from(macOf(derived, ciphertext)).toString('hex'),
    },
    ...{ id: randomUUID() },
  } as Keystore;
}
