// The operator keystore: the Web3 Secret Storage v3 spec's pbkdf2 test vector; scrypt keystores
// cross-checked against ox (viem's own keystore code, noble's scrypt) in both directions; a wrong
// password or an altered file refused by the MAC; the operator account from a keystore with its
// password inline or in a file, a raw key still accepted, and the ambiguous or incomplete
// configurations refused with codes whose messages hold no secret.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keystore as OxKeystore } from 'ox';
import { privateKeyToAddress } from 'viem/accounts';
import { decryptKeystore, encryptKeystore } from './keystore';
import { operatorAccount } from './operator';

// https://ethereum.org/developers/docs/data-structures-and-encoding/web3-secret-storage (test vectors)
const SPEC_KEY = '0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d';
const SPEC_PBKDF2 = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '6087dab2f9fdbbfaddc31a909735c1e6' },
    ciphertext: '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
    kdf: 'pbkdf2',
    kdfparams: {
      c: 262144,
      dklen: 32,
      prf: 'hmac-sha256',
      salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd',
    },
    mac: '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
};
const KEY = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318' as const;
const PASSWORD = 'correct horse battery staple';

const codeOf = (f: () => unknown): { code?: string; message: string } => {
  try {
    f();
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error('did not throw');
};

describe('decryptKeystore', () => {
  it('reads the spec pbkdf2 vector', () => {
    expect(decryptKeystore(JSON.stringify(SPEC_PBKDF2), 'testpassword')).toBe(SPEC_KEY);
  });

  it('reads a scrypt keystore written by ox, and ox reads ours', () => {
    const [key, opts] = OxKeystore.scrypt({ password: PASSWORD, n: 2 ** 14, r: 8, p: 1 });
    const theirs = OxKeystore.encrypt(KEY, key, opts);
    expect(decryptKeystore(JSON.stringify(theirs), PASSWORD)).toBe(KEY);

    const ours = encryptKeystore(KEY, PASSWORD, { n: 2 ** 14 });
    const oxKey = OxKeystore.toKey(ours as unknown as OxKeystore.Keystore, { password: PASSWORD });
    expect(OxKeystore.decrypt(ours as unknown as OxKeystore.Keystore, oxKey)).toBe(KEY);
    expect(ours.address).toBe(privateKeyToAddress(KEY).slice(2).toLowerCase());
  });

  it('round-trips pbkdf2', () => {
    const ours = encryptKeystore(KEY, PASSWORD, { kdf: 'pbkdf2', c: 1000 });
    expect(decryptKeystore(JSON.stringify(ours), PASSWORD)).toBe(KEY);
  });

  it('refuses a wrong password and an altered file by the MAC; the message holds no secret', () => {
    const ks = encryptKeystore(KEY, PASSWORD, { n: 2 ** 12 });
    const wrong = codeOf(() => decryptKeystore(JSON.stringify(ks), 'not the password'));
    expect(wrong.code).toBe('SETTLEMENT.KEYSTORE_BAD_PASSWORD');
    expect(wrong.message).not.toContain('not the password');
    const flipped = ks.crypto.ciphertext.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    const altered = { ...ks, crypto: { ...ks.crypto, ciphertext: flipped } };
    expect(codeOf(() => decryptKeystore(JSON.stringify(altered), PASSWORD)).code).toBe(
      'SETTLEMENT.KEYSTORE_BAD_PASSWORD',
    );
  });

  it('refuses what is not a v3 keystore, or names another address', () => {
    expect(codeOf(() => decryptKeystore('{', PASSWORD)).code).toBe('SETTLEMENT.KEYSTORE_INVALID');
    expect(codeOf(() => decryptKeystore('{"version":1}', PASSWORD)).code).toBe(
      'SETTLEMENT.KEYSTORE_INVALID',
    );
    const ks = encryptKeystore(KEY, PASSWORD, { n: 2 ** 12 });
    const other = { ...ks, address: '00'.repeat(20) };
    expect(codeOf(() => decryptKeystore(JSON.stringify(other), PASSWORD)).code).toBe(
      'SETTLEMENT.KEYSTORE_INVALID',
    );
  });
});

describe('operatorAccount', () => {
  const dir = mkdtempSync(join(tmpdir(), 'atelier-keystore-'));
  const keystore = join(dir, 'operator.json');
  const passwordFile = join(dir, 'password');
  writeFileSync(keystore, JSON.stringify(encryptKeystore(KEY, PASSWORD, { n: 2 ** 12 })));
  writeFileSync(passwordFile, `${PASSWORD}\n`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const address = privateKeyToAddress(KEY);

  it('opens the keystore with the password from env or from a file', () => {
    const base = { CHAIN_ID: 1, SETTLEMENT_OPERATOR_KEYSTORE: keystore };
    expect(
      operatorAccount({ ...base, SETTLEMENT_OPERATOR_KEYSTORE_PASSWORD: PASSWORD }).address,
    ).toBe(address);
    expect(
      operatorAccount({ ...base, SETTLEMENT_OPERATOR_KEYSTORE_PASSWORD_FILE: passwordFile })
        .address,
    ).toBe(address);
  });

  it('still takes a raw key', () => {
    expect(operatorAccount({ CHAIN_ID: 1, SETTLEMENT_OPERATOR_KEY: KEY }).address).toBe(address);
  });

  it('refuses both sources, a keystore without (or with two) passwords, an unreadable file', () => {
    const all = [
      codeOf(() =>
        operatorAccount({
          CHAIN_ID: 1,
          SETTLEMENT_OPERATOR_KEY: KEY,
          SETTLEMENT_OPERATOR_KEYSTORE: keystore,
          SETTLEMENT_OPERATOR_KEYSTORE_PASSWORD: PASSWORD,
        }),
      ),
      codeOf(() => operatorAccount({ CHAIN_ID: 1, SETTLEMENT_OPERATOR_KEYSTORE: keystore })),
      codeOf(() =>
        operatorAccount({
          CHAIN_ID: 1,
          SETTLEMENT_OPERATOR_KEYSTORE: keystore,
          SETTLEMENT_OPERATOR_KEYSTORE_PASSWORD: PASSWORD,
          SETTLEMENT_OPERATOR_KEYSTORE_PASSWORD_FILE: passwordFile,
        }),
      ),
      codeOf(() =>
        operatorAccount({
          CHAIN_ID: 1,
          SETTLEMENT_OPERATOR_KEYSTORE: join(dir, 'missing.json'),
          SETTLEMENT_OPERATOR_KEYSTORE_PASSWORD: PASSWORD,
        }),
      ),
      codeOf(() => operatorAccount({ CHAIN_ID: 1 })),
    ];
    expect(all.map((e) => e.code)).toEqual([
      'SETTLEMENT.OPERATOR_KEY_AMBIGUOUS',
      'SETTLEMENT.KEYSTORE_NO_PASSWORD',
      'SETTLEMENT.KEYSTORE_NO_PASSWORD',
      'SETTLEMENT.KEYSTORE_UNREADABLE',
      'SETTLEMENT.NO_OPERATOR_KEY',
    ]);
    for (const e of all) {
      expect(e.message).not.toContain(PASSWORD);
      expect(e.message).not.toContain(KEY.slice(2));
    }
  });
});
