'use strict'

/**
 * Adobe I/O Events as a webhook receives AEM's events: CloudEvents 1.0 (`aem.sites.*` types, a
 * `source` of `acct:aem-p<program>-e<environment>@adobe.com`, the integration's client id as
 * `recipientclientid`), signed twice with RSA-SHA256 over the raw body
 * (`x-adobe-digital-signature-1/2`), with the public keys' paths in `x-adobe-public-key1/2-path`.
 * The keys are served at those paths under the emulator's URL, as static.adobeioevents.com serves
 * them (`publicKeyOrigin`). `deliver` POSTs as I/O Events does: one event or a batch, with
 * `x-adobe-retry-count` on a retry; its options make the faults real deliveries have (a bad
 * signature, one key only, an unknown key). `challenge` is the registration's handshake.
 * @module emulator/events
 */

const crypto = require('node:crypto')
const { createRsaKeyPair } = require('./tls')

const KEY_DIR = '/prod/keys/'

/**
 * @param {{baseUrl: string, recipient: string, source?: string}} options
 */
async function createEvents ({ baseUrl, recipient, source = 'acct:aem-p12345-e67890@adobe.com' }) {
  const pairs = await Promise.all([createRsaKeyPair(), createRsaKeyPair()])
  const keys = pairs.map((pair, i) => ({
    path: `${KEY_DIR}pub-key-emulator${i + 1}-${crypto.randomBytes(4).toString('hex')}.pem`,
    publicKey: pair.publicKey,
    privateKey: pair.privateKey
  }))
  let sequence = 0

  /** Answers GET of a key path; false for any other request. */
  function handle (req, res) {
    if (req.method !== 'GET' || !req.url.startsWith(KEY_DIR)) return false
    const key = keys.find((k) => k.path === req.url)
    res.writeHead(key ? 200 : 404, { 'content-type': key ? 'application/x-pem-file' : 'text/plain' })
    res.end(key ? key.publicKey : 'Not Found')
    return true
  }

  /** A CloudEvent of `type` (`aem.sites.contentFragment.modified`, …) with `data`. */
  function event (type, data, overrides = {}) {
    sequence += 1
    return {
      specversion: '1.0',
      id: `emulator-event-${Date.now()}-${sequence}`,
      source,
      type,
      datacontenttype: 'application/json',
      time: new Date().toISOString(),
      recipientclientid: recipient,
      data,
      ...overrides
    }
  }

  /**
   * The headers I/O Events signs `body` with. `fault`: 'bad-signature' (both signatures over
   * other bytes), 'one-key' (the second signature only), 'unknown-key' (a key path that answers 404).
   */
  function signatureHeaders (body, fault = null) {
    const signed = fault === 'bad-signature' ? Buffer.concat([Buffer.from(body), Buffer.from(' ')]) : Buffer.from(body)
    const headers = {}
    keys.forEach((key, i) => {
      if (fault === 'one-key' && i === 0) return
      headers[`x-adobe-digital-signature-${i + 1}`] = crypto.sign('sha256', signed, key.privateKey).toString('base64')
      headers[`x-adobe-public-key${i + 1}-path`] = fault === 'unknown-key' ? `${KEY_DIR}pub-key-unknown${i + 1}.pem` : key.path
    })
    return headers
  }

  /**
   * POSTs `events` (one, or an array as a batch) to `url`, signed; resolves with the status and
   * the body of the answer.
   * @param {string} url the webhook
   * @param {object | object[]} events
   * @param {{fault?: string, retryCount?: number}} [options]
   */
  async function deliver (url, events, { fault = null, retryCount = 0 } = {}) {
    const body = JSON.stringify(events)
    const headers = { 'content-type': 'application/cloudevents+json', 'user-agent': 'Adobe/1.0', ...signatureHeaders(body, fault) }
    if (retryCount > 0) headers['x-adobe-retry-count'] = String(retryCount)
    const response = await fetch(url, { method: 'POST', headers, body })
    return { status: response.status, body: await response.text() }
  }

  /** The registration's handshake: resolves with the status and body of `GET url?challenge=…`, and the challenge sent. */
  async function challenge (url) {
    const sent = crypto.randomBytes(8).toString('hex')
    const target = new URL(url)
    target.searchParams.set('challenge', sent)
    const response = await fetch(target)
    return { status: response.status, body: await response.text(), challenge: sent }
  }

  return { handle, event, deliver, challenge, signatureHeaders, source, recipient, publicKeyOrigin: baseUrl, keyPaths: keys.map((k) => k.path) }
}

module.exports = { createEvents }
