'use strict'

const { sdkError } = require('./errors')

/**
 * The `ca` option as Node's `tls` takes it: a PEM string, a Buffer (or other Uint8Array) of PEM,
 * or an array of them, each of which may hold several certificates. Returns one PEM bundle for
 * the Rust core, or undefined.
 * @param {unknown} ca
 * @param {string} what the option's name, for the error (`ca`, `options.ca`)
 * @returns {string | undefined}
 */
function checkCa (ca, what) {
  warnIfUnverified()
  if (ca === undefined || ca === null) return undefined
  const parts = Array.isArray(ca) ? ca : [ca]
  const pems = parts.map((part) => {
    if (typeof part === 'string') return part
    if (part instanceof Uint8Array) return Buffer.from(part.buffer, part.byteOffset, part.byteLength).toString('utf8')
    throw sdkError('INVALID_PARAM', `${what} must be a PEM string, a Buffer, or an array of them`)
  })
  return pems.join('\n')
}

let warned = false

/**
 * Under `NODE_TLS_REJECT_UNAUTHORIZED=0` the Rust core verifies no certificate, as Node.js
 * does; this prints Node's warning about it, once per process.
 */
function warnIfUnverified () {
  if (warned || process.env.NODE_TLS_REJECT_UNAUTHORIZED !== '0') return
  warned = true
  process.emitWarning("Setting the NODE_TLS_REJECT_UNAUTHORIZED environment variable to '0' makes TLS connections and HTTPS requests insecure by disabling certificate verification.")
}

module.exports = { checkCa }
