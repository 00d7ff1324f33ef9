/**
 * Writing a freshly generated key pair to disk: the private key (and an OpenPGP key's
 * revocation certificate, FILE.rev) with mode 0600, the public key beside it as FILE.pub. Each file is written to a temp
 * name and renamed, so it never exists with a broader mode or half-written. Existing files
 * are only replaced with `force`.
 */
import { access, rename, rm, writeFile } from 'node:fs/promises'
import { UsageError } from '../errors.js'

export interface KeyFiles {
  privateKey: string
  publicKey: string
  /** OpenPGP only: SSH keys have no revocation certificate. */
  revocationCertificate?: string
}

function keyFilePaths(out: string, withRevocation: boolean): KeyFiles {
  return { privateKey: out, publicKey: `${out}.pub`, ...(withRevocation ? { revocationCertificate: `${out}.rev` } : {}) }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  )
}

async function writeAtomically(file: string, content: string, mode: number): Promise<void> {
  const temp = `${file}.tmp-${process.pid}`
  try {
    await writeFile(temp, content, { mode, flag: 'wx' })
    await rename(temp, file)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
}

/** Refuse (exit 2) before generating anything when a target exists and force is not set. */
export async function checkKeyFilesFree(out: string, force: boolean, options: { withRevocation: boolean }): Promise<KeyFiles> {
  const files = keyFilePaths(out, options.withRevocation)
  if (!force) {
    for (const file of Object.values(files)) {
      if (await exists(file)) {
        throw new UsageError('key-file-exists', `${file} already exists`, { hint: 'Choose another --out, or pass --force to replace it.' })
      }
    }
  }
  return files
}

export async function writeKeyFiles(
  files: KeyFiles,
  armored: { privateKey: string; publicKey: string; revocationCertificate?: string },
): Promise<void> {
  await writeAtomically(files.privateKey, armored.privateKey, 0o600)
  if (files.revocationCertificate && armored.revocationCertificate) await writeAtomically(files.revocationCertificate, armored.revocationCertificate, 0o600)
  await writeAtomically(files.publicKey, armored.publicKey, 0o644)
}
