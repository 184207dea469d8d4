'use strict'

// TLS trust from exactly Node's inputs, taken when a client is built: NODE_TLS_REJECT_UNAUTHORIZED
// as it is then, and the trust anchors: a `ca` option, which replaces Node's default set as it
// does in Node, or else that default set (src/http/tls.rs verifies with them).

const fs = require('node:fs')
const tls = require('node:tls')
const native = require('../binding.js')
const { sdkError } = require('./errors')

/** NODE_EXTRA_CA_CERTS as it was when the package loaded: Node reads the file at start only. */
const EXTRA_CA_CERTS_FILE = process.env.NODE_EXTRA_CA_CERTS

/**
 * The `ca` option as Node's `tls` takes it: a PEM string, a Buffer (or other Uint8Array) of PEM,
 * or an array of them, each of which may hold several certificates. Returns one PEM bundle for
 * the Rust core, or undefined.
 * @param {unknown} ca
 * @param {string} what the option's name, for the error (`ca`, `options.ca`)
 * @returns {string | undefined}
 */
function checkCa (ca, what) {
  if (ca === undefined || ca === null) return undefined
  const parts = Array.isArray(ca) ? ca : [ca]
  const pems = parts.map((part) => {
    if (typeof part === 'string') return part
    if (part instanceof Uint8Array) return Buffer.from(part.buffer, part.byteOffset, part.byteLength).toString('utf8')
    throw sdkError('INVALID_PARAM', `${what} must be a PEM string, a Buffer, or an array of them`)
  })
  return pems.join('\n')
}

/**
 * The TLS trust of a client being built, for the native side: `{verify, ca}` with a `ca` (a PEM
 * bundle from `checkCa`), else `{verify, rootsId}` naming Node's default set. `verify` is false
 * under `NODE_TLS_REJECT_UNAUTHORIZED=0` as it is now.
 * @param {string | undefined} ca
 * @returns {{verify: boolean, ca?: string, rootsId?: number}}
 */
function trustFor (ca) {
  const verify = process.env.NODE_TLS_REJECT_UNAUTHORIZED !== '0'
  if (!verify) warnIfUnverified()
  if (ca !== undefined) return { verify, ca }
  return { verify, rootsId: defaultRootsId() }
}

/** Node's default set as last registered with the native side: the array it came from, its PEM, its number. */
let registered = { source: null, pem: null, id: 0 }

/**
 * The number of Node's default trust anchors on the native side, registered when they change.
 * The native side parses them at the first request that needs them, leaving out a certificate it
 * cannot use (of a NODE_EXTRA_CA_CERTS file, or a system store Node was told to add), with Node's
 * bundled roots as the fallback when none is left.
 */
function defaultRootsId () {
  const source = defaultCertificates()
  if (source === registered.source) return registered.id
  const pem = source.join('\n')
  if (pem !== registered.pem) {
    // The fallback where the set holds more than the bundled roots (NODE_EXTRA_CA_CERTS, a system store).
    const bundled = tls.rootCertificates || []
    registered = { source, pem, id: native.registerRoots(pem, source.length > bundled.length ? bundled.join('\n') : undefined) }
  } else {
    registered.source = source
  }
  return registered.id
}

let bundledAndExtra
/**
 * Node's default trust anchors: `tls.getCACertificates('default')` where the runtime has it
 * (Node 22.15+, 23.5+); else its bundled roots and the certificates of NODE_EXTRA_CA_CERTS
 * (a file that cannot be read adds none, as in Node), read once.
 * @returns {readonly string[]}
 */
function defaultCertificates () {
  if (typeof tls.getCACertificates === 'function') return tls.getCACertificates('default')
  if (bundledAndExtra === undefined) bundledAndExtra = [...(tls.rootCertificates || []), ...extraCertificates()]
  return bundledAndExtra
}

function extraCertificates () {
  if (!EXTRA_CA_CERTS_FILE) return []
  try {
    return [fs.readFileSync(EXTRA_CA_CERTS_FILE, 'utf8')]
  } catch {
    return []
  }
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

module.exports = { checkCa, trustFor }
