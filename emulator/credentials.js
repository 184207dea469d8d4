'use strict'

/**
 * Throwaway service credentials shaped exactly like the AEM Developer Console's.
 * @module emulator/credentials
 */

const { randomBytes, randomUUID, X509Certificate } = require('node:crypto')
const { createRsaKeyPair } = require('./tls')
const { createCertificate } = require('./x509')

const CLIENT_ID = 'cm-p12345-e67890-integration-1'
const METASCOPES = 'ent_aem_cloud_api'

/** @param {string} pem @returns {string} the PEM with CRLF line endings, ending with CRLF */
function toCrlf (pem) {
  return pem.replace(/\r?\n/g, '\r\n').replace(/(\r\n)*$/, '\r\n')
}

/** @param {number} bytes @returns {string} upper-case hex */
function hex (bytes) {
  return randomBytes(bytes).toString('hex').toUpperCase()
}

/**
 * Creates fresh service credentials for an IMS at `imsEndpoint`.
 * @param {string} imsEndpoint host[:port] without scheme, e.g. `127.0.0.1:43210` or `localhost`
 * @returns {Promise<{credentials: object, publicKey: import('node:crypto').KeyObject}>}
 *   `credentials` is `{ok, integration, statusCode}`; `publicKey` verifies JWTs signed with its private key
 */
async function createCredentials (imsEndpoint) {
  const keyPair = await createRsaKeyPair()
  const now = Date.now()
  const cert = createCertificate({
    commonName: CLIENT_ID,
    key: keyPair.privateKey,
    from: now - 60 * 60 * 1000,
    to: now + 365 * 24 * 60 * 60 * 1000,
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: CLIENT_ID }] }
    ]
  })
  const credentials = {
    ok: true,
    integration: {
      imsEndpoint,
      metascopes: METASCOPES,
      technicalAccount: {
        clientId: CLIENT_ID,
        clientSecret: 'p8e-' + randomBytes(24).toString('base64url').replace(/[-_]/g, 'x')
      },
      email: randomUUID() + '@techacct.adobe.com',
      id: hex(12) + '@techacct.adobe.com',
      org: hex(12) + '@AdobeOrg',
      privateKey: toCrlf(keyPair.privateKey),
      publicKey: toCrlf(cert)
    },
    statusCode: 200
  }
  return { credentials, publicKey: new X509Certificate(cert).publicKey }
}

module.exports = { createCredentials, CLIENT_ID, METASCOPES }
