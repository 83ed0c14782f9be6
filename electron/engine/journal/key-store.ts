import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PaddockError, errorMessage } from '../errors.js';

/** The per-install key that signs journal checkpoints. */
export interface SigningKey {
  /** First 32 hex chars of sha256 over the DER public key: short enough to read out loud. */
  keyId: string;
  publicKeyPem: string;
  sign(data: Buffer): Buffer;
}

/**
 * Where the signing key lives. Headless: a 0600 PEM file under `<PADDOCK_HOME>/keys/`. The
 * desktop app can implement this with the OS keychain (safeStorage/keytar) without touching
 * the journal.
 */
export interface KeyStore {
  /** Loads the install's key, creating it on first use. */
  getOrCreate(): SigningKey;
}

export function keyIdOf(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 32);
}

export function signingKeyFromPrivatePem(pem: string): SigningKey {
  const priv = createPrivateKey(pem);
  if (priv.asymmetricKeyType !== 'ed25519') throw new PaddockError('JOURNAL_KEY_UNAVAILABLE', 'The journal signing key is not an ed25519 key; remove it to let Paddock create a new one.');
  const pub = createPublicKey(priv);
  const publicKeyPem = pub.export({ type: 'spki', format: 'pem' }).toString();
  return { keyId: keyIdOf(pub), publicKeyPem, sign: (data) => sign(null, data, priv) };
}

export function verifySignature(publicKeyPem: string, data: Buffer, signature: Buffer): boolean {
  try {
    return verify(null, data, createPublicKey(publicKeyPem), signature);
  } catch {
    return false;
  }
}

/** A 0600 PEM file, `<home>/keys/journal-ed25519.pem` (+ `.pub.pem` for sharing). */
export class FileKeyStore implements KeyStore {
  private cached: SigningKey | null = null;
  readonly privatePath: string;
  readonly publicPath: string;

  constructor(home: string) {
    const dir = join(home, 'keys');
    this.privatePath = join(dir, 'journal-ed25519.pem');
    this.publicPath = join(dir, 'journal-ed25519.pub.pem');
  }

  getOrCreate(): SigningKey {
    if (this.cached) return this.cached;
    try {
      if (!existsSync(this.privatePath)) {
        mkdirSync(join(this.privatePath, '..'), { recursive: true, mode: 0o700 });
        const { privateKey } = generateKeyPairSync('ed25519');
        const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
        // 'wx': never overwrite a key another process created a moment ago.
        try {
          writeFileSync(this.privatePath, pem, { mode: 0o600, flag: 'wx' });
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
      }
      chmodSync(this.privatePath, 0o600);
      const key = signingKeyFromPrivatePem(readFileSync(this.privatePath, 'utf8'));
      if (!existsSync(this.publicPath)) writeFileSync(this.publicPath, key.publicKeyPem, { mode: 0o644 });
      this.cached = key;
      return key;
    } catch (e) {
      if (e instanceof PaddockError) throw e;
      throw new PaddockError('JOURNAL_KEY_UNAVAILABLE', `Cannot load or create the journal signing key at ${this.privatePath}: ${errorMessage(e)}. Check the permissions of that folder.`, { cause: e });
    }
  }

  /** The public key PEM if the key exists (never creates one). */
  publicKeyPem(): string | null {
    if (existsSync(this.publicPath)) return readFileSync(this.publicPath, 'utf8');
    if (existsSync(this.privatePath)) return this.getOrCreate().publicKeyPem;
    return null;
  }
}
