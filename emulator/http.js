'use strict'

/**
 * Small HTTP helpers shared by the IMS, AEM, Sites and blob store routes.
 * @module emulator/http
 */

const { timingSafeEqual } = require('node:crypto')

const JSON_TYPE = 'application/json;charset=utf-8'

/** Constant-time string comparison. */
function same (a, b) {
  const x = Buffer.from(String(a))
  const y = Buffer.from(String(b))
  return x.length === y.length && timingSafeEqual(x, y)
}

/** A path segment percent-decoded, or as it is when it does not decode. */
function decode (segment) {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/**
 * Reads the whole request body as a UTF-8 string.
 * @param {import('node:http').IncomingMessage} req
 * @returns {Promise<string>}
 */
function readBody (req) {
  return new Promise((resolve, reject) => {
    const chunks = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/**
 * Sends a body with an explicit content type (pass `null` body for an empty response).
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string|null} contentType
 * @param {string|null} body
 * @param {Record<string, string>} [headers]
 */
function send (res, status, contentType, body, headers = {}) {
  const payload = body == null ? '' : body
  const all = { ...headers, 'content-length': Buffer.byteLength(payload) }
  if (contentType) all['content-type'] = contentType
  res.writeHead(status, all)
  res.end(payload)
}

/**
 * Sends a compact JSON response.
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} value
 * @param {Record<string, string>} [headers]
 */
function sendJson (res, status, value, headers) {
  send(res, status, JSON_TYPE, JSON.stringify(value), headers)
}

/**
 * Splits a raw request URL into its raw (not decoded) path and query.
 * @param {string} url
 * @returns {{path: string, query: string}}
 */
function splitUrl (url) {
  const i = url.indexOf('?')
  return i < 0 ? { path: url, query: '' } : { path: url.slice(0, i), query: url.slice(i + 1) }
}

module.exports = { readBody, send, sendJson, splitUrl, same, decode, JSON_TYPE }
