'use strict'

/**
 * The blob store: a second HTTPS origin on 127.0.0.1 (its own port, the emulator's certificate) that
 * serves the signed, expiring URLs the Sites API's `/asset` route redirects to
 * (`GET|HEAD /blobs/{name}?size&expires&sig`), streams `size` bytes of a fixed pattern without holding
 * them in memory, takes the parts of direct binary uploads (`PUT /uploads/{id}?comp=block…`,
 * emulator/blob-uploads.js), and records every request it receives, with the credentials that
 * reached it.
 * @module emulator/blob-store
 */

const https = require('node:https')
const { createHmac, randomBytes } = require('node:crypto')
const { send, splitUrl, same, decode } = require('./http')
const { handlePartPut } = require('./blob-uploads')

const MIB = 1024 * 1024
const DEFAULT_BLOB_BYTES = MIB
const MAX_BLOB_BYTES = 512 * MIB
const BLOB_URL_LIFETIME_MS = 5 * 60 * 1000
/** The headers that carry credentials: none of them should ever reach the blob store. */
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'cookie']

/** Byte `i` of every blob is `i % 251`; the pattern's length is a multiple of 251, so chunks join up. */
const PATTERN = Buffer.from(Array.from({ length: 251 * 256 }, (_, i) => i % 251))

/** A signed blob-store URL for `size` bytes named `name`, valid for a few minutes. */
function signBlobUrl (blobStore, name, size) {
  const expires = Date.now() + BLOB_URL_LIFETIME_MS
  const sig = blobSignature(blobStore.secret, name, size, expires)
  return `${blobStore.url}/blobs/${encodeURIComponent(name)}?size=${size}&expires=${expires}&sig=${sig}`
}

/** The signature of a blob URL's name, size and expiry. */
function blobSignature (secret, name, size, expires) {
  return createHmac('sha256', secret).update(`${name}\n${size}\n${expires}`).digest('base64url')
}

/**
 * Writes `size` bytes of the blob pattern, chunk by chunk, as fast as the client reads them.
 * @param {import('node:http').ServerResponse} res
 * @param {number} size
 */
function streamPattern (res, size) {
  let sent = 0
  const pump = () => {
    while (sent < size) {
      if (res.destroyed) return
      const n = Math.min(PATTERN.length, size - sent)
      sent += n
      if (!res.write(n === PATTERN.length ? PATTERN : PATTERN.subarray(0, n))) return res.once('drain', pump)
    }
    res.end()
  }
  pump()
}

/**
 * Answers one blob-store request: `GET|HEAD /blobs/{name}?size&expires&sig` streams `size` bytes
 * (byte i is `i % 251`) when the signature is good and unexpired; 403 otherwise; 400 when the request
 * also carries an `Authorization` header ("Only one auth mechanism allowed", as S3 answers).
 */
function handleBlob (req, res, secret) {
  const { path, query } = splitUrl(req.url)
  const q = new URLSearchParams(query)
  const match = /^\/blobs\/([^/]+)$/.exec(path)
  const text = (status, message) => send(res, status, 'text/plain;charset=utf-8', message + '\n')
  if (!match) return text(404, 'NoSuchKey')
  if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'MethodNotAllowed')
  if (req.headers.authorization) return text(400, 'InvalidArgument: Only one auth mechanism allowed')
  const name = decode(match[1])
  const size = Number(q.get('size'))
  const expires = Number(q.get('expires'))
  const sig = q.get('sig') || ''
  const good = Number.isInteger(size) && size >= 0 && size <= MAX_BLOB_BYTES && same(sig, blobSignature(secret, name, size, expires))
  if (!good) return text(403, 'SignatureDoesNotMatch')
  if (Date.now() > expires) return text(403, 'AccessDenied: Request has expired')
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': size,
    'content-disposition': `attachment; filename="${name}"`
  })
  if (req.method === 'HEAD') return res.end()
  streamPattern(res, size)
}

/**
 * The credentials among recorded requests: every header of `CREDENTIAL_HEADERS` or of `clientHeaders`
 * that a request carried.
 * @param {Array<{method: string, path: string, headers: object}>} requests
 * @param {Iterable<string>} clientHeaders more header names (any case) to look for
 * @returns {Array<{method: string, path: string, header: string, value: string}>}
 */
function findCredentials (requests, clientHeaders) {
  const names = new Set([...CREDENTIAL_HEADERS, ...[...clientHeaders].map((name) => String(name).toLowerCase())])
  const seen = []
  for (const { method, path, headers } of requests) {
    for (const name of names) {
      if (headers[name] !== undefined) seen.push({ method, path, header: name, value: String(headers[name]) })
    }
  }
  return seen
}

/**
 * Starts the blob store: a second HTTPS origin on 127.0.0.1 (its own port) that serves the signed
 * URLs the `/asset` route redirects to, takes the parts of direct binary uploads, and records every
 * request it receives.
 * @param {{key: string, cert: string, damDir: string, uploads: object}} options the emulator's server
 *   key and certificate; the DAM's directory (parts are written under it) and the upload settings and
 *   faults (emulator/upload-config.js)
 * @returns {Promise<{url: string, port: number, secret: Buffer,
 *   requests: Array<{method: string, url: string, path: string, headers: object}>, clearRequests: () => void,
 *   credentialsSeen: (more?: string[]) => Array<{method: string, path: string, header: string, value: string}>,
 *   markClientHeaders: (names: string[]) => void, forgetClientHeaders: () => void, close: () => Promise<void>}>}
 */
function startBlobStore ({ key, cert, damDir, uploads }) {
  const secret = randomBytes(32)
  const requests = []
  const clientHeaders = new Set()
  const server = https.createServer({ key, cert }, (req, res) => {
    const { path, query } = splitUrl(req.url)
    requests.push({ method: req.method, url: req.url, path, headers: { ...req.headers } })
    if (path.startsWith('/uploads/')) {
      handlePartPut(req, res, { secret, damDir, uploads }, path, new URLSearchParams(query)).catch(() => {
        if (!res.headersSent) send(res, 500, 'text/plain;charset=utf-8', 'InternalError\n')
      })
      return
    }
    req.resume()
    handleBlob(req, res, secret)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port
      resolve({
        url: `https://127.0.0.1:${port}`,
        port,
        secret,
        requests,
        clearRequests () { requests.length = 0 },
        forgetClientHeaders () { clientHeaders.clear() },
        credentialsSeen: (more = []) => findCredentials(requests, [...clientHeaders, ...more]),
        markClientHeaders (names) {
          for (const name of [].concat(names)) clientHeaders.add(String(name).toLowerCase())
        },
        close () {
          return new Promise((resolve, reject) => {
            server.close((err) => (err ? reject(err) : resolve()))
            server.closeAllConnections()
          })
        }
      })
    })
  })
}

module.exports = { startBlobStore, signBlobUrl, findCredentials, DEFAULT_BLOB_BYTES, MAX_BLOB_BYTES, CREDENTIAL_HEADERS }
