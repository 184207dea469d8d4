'use strict'

/**
 * The access tokens the emulator issues, shaped as Adobe IMS shapes them (docs/PROTOCOL.md §8):
 * RS256 JWTs with IMS's header (`x5u`, `kid`, `itt: "at"`) and claims, `created_at` and
 * `expires_in` in milliseconds as strings, and no `exp`. Each is also kept in memory with its
 * expiry, so that AEM routes accept it until then.
 * @module emulator/tokens
 */

const { createSign, randomBytes, randomUUID } = require('node:crypto')

const HEADER = { alg: 'RS256', x5u: 'ims_na1-key-at-1.cer', kid: 'ims_na1-key-at-1', itt: 'at' }

/** The claims of a Developer Console local development token. */
const DEV_TOKEN_CLAIMS = {
  client_id: 'dev-console-prod',
  user_id: `${randomBytes(12).toString('hex').toUpperCase()}@AdobeID`,
  scope: 'AdobeID,openid,read_organizations,additional_info.projectedProductContext'
}

const base64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url')

/**
 * Creates a token store.
 * @param {number} defaultLifetimeMs lifetime used when `issue()` gets none
 * @param {string} signingKey the PEM private key IMS signs its tokens with
 * @returns {{issue: (lifetimeMs?: number, claims?: {client_id?: string, user_id?: string, scope?: string}) => string,
 *   revoke: (token: string) => boolean, isValid: (token: string) => boolean}}
 */
function createTokenStore (defaultLifetimeMs, signingKey) {
  /** @type {Map<string, number>} token -> expiry (epoch ms) */
  const expiries = new Map()
  return {
    /**
     * Issues a new token for `claims` (client_id, user_id, scope; a development token's by
     * default), valid `lifetimeMs` from now.
     */
    issue (lifetimeMs = defaultLifetimeMs, claims = DEV_TOKEN_CLAIMS) {
      const createdAt = Date.now()
      const payload = {
        id: `${createdAt}_${randomUUID()}_ue1`,
        type: 'access_token',
        client_id: claims.client_id,
        user_id: claims.user_id,
        as: 'ims-na1',
        aa_id: claims.user_id,
        ctp: 0,
        fg: randomBytes(8).toString('hex').toUpperCase(),
        sid: `${createdAt}_${randomUUID()}_ue1`,
        moi: randomBytes(4).toString('hex'),
        pba: 'MedSecNoEV,LowSec',
        created_at: String(createdAt),
        expires_in: String(lifetimeMs),
        scope: claims.scope
      }
      const unsigned = `${base64url(HEADER)}.${base64url(payload)}`
      const token = `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(signingKey, 'base64url')}`
      expiries.set(token, createdAt + lifetimeMs)
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
