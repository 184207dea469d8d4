'use strict'

// How a traced answer came, as the native client packs it into one number (`outcome_code` in
// src/binding/client.rs): bits 0–9 the HTTP status, 10–24 the attempts, bit 26 whether the
// response cache answered, 27–29 the HTTP version (1 + its index below; 0 for none), bit 30
// whether another call's request answered (coalesced: none of this call's own was sent), bit 31
// whether the cache's answer was stale, and then bit 25 why (set: stale-if-error, else
// stale-while-revalidate).

/** The versions the outcome's version field indexes, from 1: the core's one table. */
const HTTP_VERSIONS = require('../binding.js').httpVersions()

/**
 * @param {number} code
 * @returns {{status: number, attempts: number, cached: boolean, coalesced: boolean, httpVersion: string | undefined,
 *   stale: 'stale-while-revalidate' | 'stale-if-error' | undefined}}
 */
function outcomeOf (code) {
  const version = (code >>> 27) & 0x7
  return {
    status: code & 0x3ff,
    attempts: (code >>> 10) & 0x7fff,
    cached: (code & (1 << 26)) !== 0,
    coalesced: (code & (1 << 30)) !== 0,
    httpVersion: version === 0 ? undefined : HTTP_VERSIONS[version - 1],
    stale: code >>> 31 === 0 ? undefined : (code & (1 << 25)) !== 0 ? 'stale-if-error' : 'stale-while-revalidate'
  }
}

module.exports = { outcomeOf }
