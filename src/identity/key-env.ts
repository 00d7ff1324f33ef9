/**
 * The environment variables the bot's signing key and its passphrase come from, and the
 * OpenPGP key types. Apart from keys.ts so that the commands' flag definitions do not load
 * openpgp (~60 ms) at start-up.
 */
export const SIGNING_KEY_ENV = 'PINBOT_SIGNING_KEY'
export const PASSPHRASE_ENV = 'PINBOT_SIGNING_PASSPHRASE'

export type KeyType = 'ed25519' | 'rsa4096'
export const KEY_TYPES: KeyType[] = ['ed25519', 'rsa4096']
