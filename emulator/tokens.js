'use strict'

/**
 * In-memory store of the access tokens the emulator has issued.
 * @module emulator/tokens
 */

const { randomBytes } = require('node:crypto')

/**
 * Creates a token store.
 * @param {number} defaultLifetimeMs lifetime used when `issue()` gets none
 * @returns {{issue: (lifetimeMs?: number) => string, revoke: (token: string) => boolean,
 *   isValid: (token: string) => boolean}}
 */
function createTokenStore (defaultLifetimeMs) {
  /** @type {Map<string, number>} token -> expiry (epoch ms) */
  const expiries = new Map()
  return {
    /** Issues a new opaque token ('emu-' + 48 base64url chars). */
    issue (lifetimeMs = defaultLifetimeMs) {
      const token = 'emu-' + randomBytes(36).toString('base64url')
      expiries.set(token, Date.now() + lifetimeMs)
      return token
    },
    /** Forgets a token; later requests with it get 401. */
    revoke (token) {
      return expiries.delete(token)
    },
    /** True when the token was issued here, not revoked and not expired. */
    isValid (token) {
      const expiry = expiries.get(token)
      return expiry !== undefined && Date.now() < expiry
    }
  }
}

module.exports = { createTokenStore }
