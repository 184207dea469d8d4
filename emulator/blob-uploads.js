'use strict'

/**
 * The blob store's side of direct binary upload: the pre-signed, expiring part URIs that
 * initiateUpload hands out (shaped as Azure Block Blob "Put Block" URIs with a SAS), and
 * `PUT /uploads/{uploadId}?comp=block&blockid&se&sp&sig`, which streams the part's bytes to a file
 * (never holding a part in memory) and answers as Azure does: 201, or an XML `<Error>`.
 * @module emulator/blob-uploads
 */

const fs = require('node:fs')
const path = require('node:path')
const { createHmac, randomUUID } = require('node:crypto')
const { pipeline } = require('node:stream/promises')
const { Transform } = require('node:stream')
const { same } = require('./http')

const AZURE_VERSION = '2019-12-12'
const XML_TYPE = 'application/xml'
const MAX_BLOCKS = 50000
const UPLOAD_ID = /^[A-Za-z0-9_-]{8,64}$/

/** The signature of one part URI: the upload, the block number and the expiry. */
function partSignature (secret, uploadId, block, expiry) {
  return createHmac('sha256', secret).update(`put\n${uploadId}\n${block}\n${expiry}`).digest('base64url')
}

/** Azure's block id of a 1-based block number: base64 of the zero-padded number, as Oak makes it. */
function blockIdOf (block) {
  return Buffer.from(String(block).padStart(6, '0')).toString('base64')
}

/**
 * The upload URIs of one upload: `count` part URIs on the blob store, valid for `lifetimeSeconds`.
 * @param {{url: string, secret: Buffer}} blobStore
 * @param {string} uploadId
 * @param {number} count
 * @param {number} lifetimeSeconds
 * @returns {string[]}
 */
function signPartUris (blobStore, uploadId, count, lifetimeSeconds) {
  const expiry = new Date(Date.now() + lifetimeSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
  const uris = []
  for (let block = 1; block <= count; block++) {
    const sig = partSignature(blobStore.secret, uploadId, block, expiry)
    const query = new URLSearchParams({ comp: 'block', blockid: blockIdOf(block), sv: AZURE_VERSION, se: expiry, sr: 'b', sp: 'w', sig })
    uris.push(`${blobStore.url}/uploads/${uploadId}?${query}`)
  }
  return uris
}

/** The directory holding the parts of one upload. */
function partsDir (damDir, uploadId) {
  return path.join(damDir, 'parts', uploadId)
}

/**
 * The parts received for an upload, by block number, with their sizes.
 * @param {string} damDir
 * @param {string} uploadId
 * @returns {Array<{block: number, size: number, file: string}>} sorted by block number
 */
function listParts (damDir, uploadId) {
  const dir = partsDir(damDir, uploadId)
  let names
  try {
    names = fs.readdirSync(dir)
  } catch {
    return []
  }
  return names
    .filter((name) => /^\d+$/.test(name))
    .map((name) => {
      const file = path.join(dir, name)
      return { block: Number(name), size: fs.statSync(file).size, file }
    })
    .sort((a, b) => a.block - b.block)
}

/** An Azure Storage error answer: the XML body and the `x-ms-error-code` header. */
function azureError (res, status, code, message, detail) {
  const requestId = randomUUID()
  const body = '\uFEFF<?xml version="1.0" encoding="utf-8"?><Error>' +
    `<Code>${code}</Code><Message>${message}\nRequestId:${requestId}\nTime:${new Date().toISOString()}</Message>` +
    (detail ? `<AuthenticationErrorDetail>${detail}</AuthenticationErrorDetail>` : '') +
    '</Error>'
  res.writeHead(status, {
    'content-type': XML_TYPE,
    'content-length': Buffer.byteLength(body),
    'x-ms-request-id': requestId,
    'x-ms-version': AZURE_VERSION,
    'x-ms-error-code': code
  })
  res.end(body)
}

/** Counts the bytes passing through. */
function byteCounter () {
  const counter = new Transform({
    transform (chunk, _encoding, done) {
      counter.bytes += chunk.length
      done(null, chunk)
    }
  })
  counter.bytes = 0
  return counter
}

/**
 * Answers one part PUT: checks the signature, the expiry, the injected faults and the length, then
 * streams the body to `{damDir}/parts/{uploadId}/{block}` and answers 201, as Azure's Put Block does.
 * Errors (Azure's codes): a bad signature or an expired URI 403 `AuthenticationFailed`; no
 * `Content-Length` 411 `MissingContentLengthHeader`; a part over `maxPartSize` 413
 * `RequestBodyTooLarge`; fewer bytes than announced 400 `InvalidInput`; an injected 503 `ServerBusy`.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {{secret: Buffer, damDir: string, uploads: ReturnType<import('./upload-config').createUploadConfig>}} ctx
 * @param {string} rawPath
 * @param {URLSearchParams} query
 */
async function handlePartPut (req, res, ctx, rawPath, query) {
  const fail = (...args) => {
    req.resume()
    azureError(res, ...args)
  }
  const uploadId = rawPath.slice('/uploads/'.length)
  if (req.method !== 'PUT') return fail(405, 'UnsupportedHttpVerb', 'The resource doesn\'t support specified Http Verb.')
  const block = Number(Buffer.from(query.get('blockid') || '', 'base64').toString('utf8'))
  const expiry = query.get('se') || ''
  const good = UPLOAD_ID.test(uploadId) && query.get('comp') === 'block' && Number.isInteger(block) && block >= 1 &&
    block <= MAX_BLOCKS && same(query.get('sig') || '', partSignature(ctx.secret, uploadId, block, expiry))
  if (!good) {
    return fail(403, 'AuthenticationFailed', 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.', 'Signature did not match.')
  }
  const fault = ctx.uploads.takePartFault()
  const expiredAt = Date.parse(expiry)
  if ((fault && fault.kind === 'expired') || !(Date.now() <= expiredAt)) {
    const now = new Date().toUTCString()
    const end = Number.isFinite(expiredAt) && Date.now() > expiredAt ? new Date(expiredAt).toUTCString() : new Date(Date.now() - 1000).toUTCString()
    return fail(403, 'AuthenticationFailed', 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.',
      `Signed expiry time [${end}] must be after signed start time [${now}]`)
  }
  if (fault) {
    if (fault.status === 503) return fail(503, 'ServerBusy', 'The server is currently unable to receive requests. Please retry your request.')
    return fail(fault.status, 'InternalError', 'Injected fault.')
  }
  const header = req.headers['content-length']
  if (header === undefined) return fail(411, 'MissingContentLengthHeader', 'Content-Length HTTP header is missing.')
  const length = Number(header)
  if (length > ctx.uploads.settings.maxPartSize) return fail(413, 'RequestBodyTooLarge', 'The request body is too large and exceeds the maximum permissible limit.')

  const dir = partsDir(ctx.damDir, uploadId)
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, String(block))
  const partial = `${file}.${randomUUID()}.partial`
  const counter = byteCounter()
  try {
    await pipeline(req, counter, fs.createWriteStream(partial))
  } catch {
    fs.rmSync(partial, { force: true })
    if (!res.headersSent && !res.destroyed) azureError(res, 400, 'InvalidInput', 'The request body was cut short.')
    return
  }
  if (counter.bytes !== length) {
    fs.rmSync(partial, { force: true })
    return azureError(res, 400, 'InvalidInput', 'One of the request inputs is not valid.')
  }
  fs.renameSync(partial, file)
  res.writeHead(201, {
    'content-length': 0,
    'x-ms-request-id': randomUUID(),
    'x-ms-version': AZURE_VERSION,
    'x-ms-request-server-encrypted': 'true'
  })
  res.end()
}

module.exports = { signPartUris, handlePartPut, listParts, partsDir, UPLOAD_ID }
