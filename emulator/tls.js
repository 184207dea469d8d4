'use strict'

/**
 * The emulator's TLS certificate: self-signed, fresh at every start.
 * @module emulator/tls
 */

const { generateKeyPair } = require('node:crypto')
const { promisify } = require('node:util')
const selfsigned = require('selfsigned')

const generateKeyPairAsync = promisify(generateKeyPair)
const DAY_MS = 24 * 60 * 60 * 1000

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

/**
 * Creates a self-signed SHA-256 server certificate for `localhost` and `127.0.0.1`,
 * valid from one hour ago for three days. Not a CA (rustls rejects a CA used as an end entity).
 * @returns {Promise<{key: string, cert: string}>} PEMs for `https.createServer`
 */
async function createTlsCertificate () {
  const keyPair = await createRsaKeyPair()
  const now = Date.now()
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keyPair,
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 60 * 60 * 1000),
    notAfterDate: new Date(now + 3 * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }]
      }
    ]
  })
  return { key: keyPair.privateKey, cert: pems.cert }
}

module.exports = { createTlsCertificate, createRsaKeyPair }
