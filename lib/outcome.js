'use strict'

// How a traced answer came, as the native client packs it into one number (`outcome_code` in
// src/binding/client.rs): bits 0–9 the HTTP status, 10–25 the attempts, bit 26 whether the
// response cache answered, 27–29 the HTTP version (1 + its index below; 0 for none), bit 30
// whether another call's request answered (coalesced: none of this call's own was sent).

/** The versions the outcome's version field indexes, from 1: the core's one table. */
const HTTP_VERSIONS = require('../binding.js').httpVersions()

/**
 * @param {number} code
 * @returns {{status: number, attempts: number, cached: boolean, coalesced: boolean, httpVersion: string | undefined}}
 */
function outcomeOf (code) {
  const version = (code >>> 27) & 0x7
  return {
    status: code & 0x3ff,
    attempts: (code >>> 10) & 0xffff,
    cached: (code & (1 << 26)) !== 0,
    coalesced: (code & (1 << 30)) !== 0,
    httpVersion: version === 0 ? undefined : HTTP_VERSIONS[version - 1]
  }
}

module.exports = { outcomeOf }
