'use strict'

/**
 * The emulator's TLS certificates, fresh at every start, in the shapes servers really have.
 * @module emulator/tls
 */

const { generateKeyPair } = require('node:crypto')
const { promisify } = require('node:util')
const { createCertificate } = require('./x509')

const generateKeyPairAsync = promisify(generateKeyPair)
const HOUR_MS = 60 * 60 * 1000
const DAY_MS = 24 * HOUR_MS

/**
 * The certificate modes:
 * - `ca-signed`: a leaf (CA:FALSE) for localhost, 127.0.0.1 and ::1, signed by a CA of its own,
 *   as a corporate or local CA issues them; `caPem` is the CA;
 * - `self-signed`: what `openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -addext
 *   subjectAltName=DNS:localhost,IP:127.0.0.1` makes: self-signed and `basicConstraints
 *   CA:TRUE`; `caPem` is the certificate itself;
 * - `expired`: a CA-signed leaf whose validity ended yesterday;
 * - `wrong-host`: a CA-signed leaf for `aem.example.com` only;
 * - `expired-self-signed`: the `self-signed` certificate, expired yesterday.
 */
const CERTIFICATE_MODES = ['ca-signed', 'self-signed', 'expired', 'wrong-host', 'expired-self-signed']

/**
 * Creates an RSA-2048 key pair with node:crypto (fast, native).
 * @returns {Promise<{privateKey: string, publicKey: string}>} PKCS#1 private key and SPKI public key PEMs
 */
function createRsaKeyPair () {
  return generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' }
  })
}

const LOCAL_NAMES = [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }]

/**
 * A SHA-256 certificate for `commonName` with `extensions`, valid `from`–`to` (epoch ms), signed by
 * `ca` or by itself; with a fresh key.
 * @returns {Promise<{commonName: string, key: string, cert: string}>}
 */
async function certificate (commonName, extensions, from, to, ca = undefined) {
  const { privateKey: key } = await createRsaKeyPair()
  return { commonName, key, cert: createCertificate({ commonName, key, from, to, extensions, issuer: ca }) }
}

/** A leaf for `names`, valid `from`–`to`, signed by a fresh CA; `caPem` is the CA. */
async function caSignedLeaf (names, from, to) {
  const now = Date.now()
  const ca = await certificate('aem-headless-rs emulator CA', [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true }
  ], now - HOUR_MS, now + 3 * DAY_MS)
  const leaf = await certificate(names[0].value || names[0].ip, [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: names }
  ], from, to, ca)
  return { key: leaf.key, cert: leaf.cert, caPem: ca.cert }
}

/** The `openssl req -x509` certificate: self-signed, CA:TRUE, localhost and 127.0.0.1. */
async function selfSigned (from, to) {
  const own = await certificate('localhost', [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'subjectAltName', altNames: LOCAL_NAMES.slice(0, 2) }
  ], from, to)
  return { key: own.key, cert: own.cert, caPem: own.cert }
}

/**
 * Creates the server certificate of a mode (see CERTIFICATE_MODES).
 * @param {string} [mode='ca-signed']
 * @returns {Promise<{key: string, cert: string, caPem: string}>} PEMs for `https.createServer`, and the PEM to trust
 */
async function createTlsCertificate (mode = 'ca-signed') {
  const now = Date.now()
  const valid = [now - HOUR_MS, now + 3 * DAY_MS]
  const expired = [now - 10 * DAY_MS, now - DAY_MS]
  switch (mode) {
    case 'ca-signed': return caSignedLeaf(LOCAL_NAMES, ...valid)
    case 'self-signed': return selfSigned(...valid)
    case 'expired': return caSignedLeaf(LOCAL_NAMES, ...expired)
    case 'wrong-host': return caSignedLeaf([{ type: 2, value: 'aem.example.com' }], ...valid)
    case 'expired-self-signed': return selfSigned(...expired)
    default: throw new RangeError(`certificate must be one of ${CERTIFICATE_MODES.join(', ')}, got ${String(mode)}`)
  }
}

module.exports = { createTlsCertificate, createRsaKeyPair, CERTIFICATE_MODES }
