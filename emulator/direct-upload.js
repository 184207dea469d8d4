'use strict'

/**
 * AEM as a Cloud Service's direct binary upload, AEM's side: `POST {folder}.initiateUpload.json`
 * (the upload URIs on the blob store, an upload token per file, an affinity cookie) and
 * `POST {folder}.completeUpload.json` (the parts are joined into the asset). Grounded in Adobe's
 * "Assets as a Cloud Service APIs" page (fields, 201/200), Oak's AzureBlobStoreBackend (part sizes,
 * the number of URIs) and what @adobe/aem-upload sends (emulator/README.md, "Asset upload").
 * @module emulator/direct-upload
 */

const fs = require('node:fs')
const { once } = require('node:events')
const { createHash, createHmac, randomUUID } = require('node:crypto')
const { sendJson, same } = require('./http')
const { signPartUris, listParts, partsDir } = require('./blob-uploads')
const { nameProblem, mimeTypeOf } = require('./dam')

const JSON_TYPE = 'application/json;charset=utf-8'

/** An upload token: the upload's facts, signed, so that complete can trust them. */
function signToken (secret, facts) {
  const payload = Buffer.from(JSON.stringify(facts)).toString('base64url')
  return `${payload}.${createHmac('sha256', secret).update(payload).digest('base64url')}`
}

/** The facts of a good token, or null. */
function readToken (secret, token) {
  const [payload, sig, extra] = String(token || '').split('.')
  if (!payload || !sig || extra !== undefined) return null
  if (!same(sig, createHmac('sha256', secret).update(payload).digest('base64url'))) return null
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
  } catch {
    return null
  }
}

/** `true`/`false` form values, as AEM's servlets read booleans. */
function formBoolean (value) {
  return String(value).toLowerCase() === 'true'
}

/**
 * How many upload URIs a file gets: one per `minPartSize` bytes, at most `maxUriCount`, as Oak's
 * AzureBlobStoreBackend.initiateHttpUpload computes it; 0 when even that many URIs of `maxPartSize`
 * cannot hold the file.
 * @param {number} fileSize
 * @param {{minPartSize: number, maxPartSize: number, maxUriCount: number}} settings
 */
function uriCount (fileSize, { minPartSize, maxPartSize, maxUriCount }) {
  const count = Math.min(Math.ceil(fileSize / minPartSize), maxUriCount)
  return Math.ceil(fileSize / count) > maxPartSize ? 0 : count
}

/**
 * Answers `POST {folder}.initiateUpload.json`.
 * @param {object} ctx the upload routes' context (emulator/uploads.js)
 * @param {{folder: string, rawFolder: string, form: URLSearchParams}} request
 * @returns {{status: number, json?: unknown, html?: string, headers?: Record<string, string>}}
 */
function initiateUpload (ctx, { folder, rawFolder, form }) {
  const { dam, uploads } = ctx
  const settings = uploads.settings
  if (!settings.directBinaryUpload) {
    // The local AEM SDK: no servlet for the selector, Sling's POST servlet answers with its JSON status.
    return {
      status: 200,
      json: {
        changes: [],
        path: folder,
        location: folder,
        parentLocation: folder.slice(0, folder.lastIndexOf('/')),
        'status.code': 200,
        'status.message': 'OK',
        title: `Content modified ${folder}`,
        referer: ''
      }
    }
  }
  if (!dam.hasFolder(folder)) return { status: 404, notFound: folder }
  if (uploads.takeFolderLag(folder)) return { status: 404, notFound: folder }
  const names = form.getAll('fileName')
  const sizes = form.getAll('fileSize')
  if (names.length === 0 || names.length !== sizes.length) {
    return { status: 400, json: { errors: [{ errorType: 'ServletError', message: 'Each file needs a fileName and a fileSize' }] } }
  }
  const files = []
  for (let i = 0; i < names.length; i++) {
    const fileName = names[i]
    const fileSize = Number(sizes[i])
    const problem = nameProblem(fileName)
    if (problem) return { status: 400, json: { errors: [{ errorType: 'ServletError', message: `fileName ${JSON.stringify(fileName)}: ${problem}` }] } }
    if (!Number.isSafeInteger(fileSize) || fileSize < 1) {
      // Oak refuses: "maxUploadSizeInBytes must be > 0".
      return { status: 400, json: { errors: [{ errorType: 'ServletError', message: `fileSize of ${JSON.stringify(fileName)} must be a positive integer, got ${JSON.stringify(sizes[i])}` }] } }
    }
    const count = uriCount(fileSize, settings)
    if (count === 0) {
      return { status: 400, json: { errors: [{ errorType: 'ServletError', message: `Cannot do multi-part upload of ${fileSize} bytes: more than ${settings.maxUriCount} parts of ${settings.maxPartSize} bytes` }] } }
    }
    const uploadId = randomUUID().replace(/-/g, '')
    const mimeType = mimeTypeOf(fileName)
    const facts = { id: uploadId, folder, fileName, fileSize, minPartSize: settings.minPartSize, maxPartSize: settings.maxPartSize }
    files.push({
      fileName,
      mimeType,
      uploadToken: signToken(ctx.secret, facts),
      uploadURIs: signPartUris(ctx.blobStore, uploadId, count, settings.uriLifetimeSeconds),
      minPartSize: settings.minPartSize,
      maxPartSize: settings.maxPartSize
    })
  }
  const affinity = createHash('sha256').update(randomUUID()).digest('hex').slice(0, 32)
  ctx.affinity.add(affinity)
  return {
    status: 201,
    json: { completeURI: `${rawFolder}.completeUpload.json`, folderPath: folder, files },
    headers: { 'set-cookie': `affinity="${affinity}"; Path=/; Secure; HttpOnly` }
  }
}

/**
 * Joins the parts of an upload into one new file of the DAM, hashing it on the way; the parts are
 * streamed, never held in memory.
 * @returns {Promise<{file: string, size: number, sha256: string}>}
 */
async function joinParts (dam, parts) {
  const file = dam.tempFile()
  const out = fs.createWriteStream(file)
  const hash = createHash('sha256')
  let size = 0
  try {
    for (const part of parts) {
      for await (const chunk of fs.createReadStream(part.file)) {
        hash.update(chunk)
        size += chunk.length
        if (!out.write(chunk)) await once(out, 'drain')
      }
    }
    out.end()
    await once(out, 'finish')
  } catch (error) {
    out.destroy()
    fs.rmSync(file, { force: true })
    throw error
  }
  return { file, size, sha256: hash.digest('hex') }
}

/**
 * Why the received parts do not make the initiated file, or null: parts must be blocks 1 … n without
 * gaps, each but the last at least `minPartSize`, and together exactly `fileSize` bytes.
 */
function partsProblem (parts, facts) {
  if (parts.length === 0) return 'no part was uploaded'
  const missing = parts.findIndex((part, i) => part.block !== i + 1)
  if (missing >= 0) return `part ${missing + 1} is missing`
  const small = parts.findIndex((part, i) => i < parts.length - 1 && part.size < facts.minPartSize)
  if (small >= 0) return `part ${small + 1} has ${parts[small].size} bytes, less than minPartSize ${facts.minPartSize}`
  const total = parts.reduce((sum, part) => sum + part.size, 0)
  if (total !== facts.fileSize) return `the parts hold ${total} bytes, the upload was initiated for ${facts.fileSize}`
  return null
}

/**
 * Answers `POST {folder}.completeUpload.json`: one or more files (the fields repeat, in order).
 * @param {object} ctx the upload routes' context (emulator/uploads.js)
 * @param {{folder: string, form: URLSearchParams}} request
 * @returns {Promise<{status: number, json?: unknown}>}
 */
async function completeUpload (ctx, { folder, form }) {
  const { dam, uploads } = ctx
  const tokens = form.getAll('uploadToken')
  const names = form.getAll('fileName')
  const bad = (message, status = 400) => ({ status, json: { errors: [{ errorType: 'ServletError', message }] } })
  if (tokens.length === 0) return bad('uploadToken is required')
  if (names.length !== tokens.length) return bad('Each uploadToken needs its fileName')
  if (!dam.hasFolder(folder)) return { status: 404, notFound: folder }
  const field = (name, i) => {
    const all = form.getAll(name)
    return all.length === tokens.length ? all[i] : all[0]
  }
  const completed = []
  for (let i = 0; i < tokens.length; i++) {
    const facts = readToken(ctx.secret, tokens[i])
    if (!facts) return bad(`uploadToken ${i + 1} is not valid`)
    if (facts.fileName !== names[i]) return bad(`fileName ${JSON.stringify(names[i])} is not the name the upload was initiated for (${JSON.stringify(facts.fileName)})`)
    if (facts.folder !== folder) return bad(`the upload was initiated in ${facts.folder}, not ${folder}`)
    const parts = listParts(ctx.damDir, facts.id)
    const problem = partsProblem(parts, facts)
    if (problem) return bad(`Unable to complete the upload of ${JSON.stringify(facts.fileName)}: ${problem}`)
    const assetPath = `${folder}/${facts.fileName}`
    const replace = formBoolean(field('replace', i))
    const createVersion = formBoolean(field('createVersion', i))
    if (dam.getAsset(assetPath) && !replace && !createVersion && uploads.faults.rejectExisting) {
      return bad(`Asset ${assetPath} already exists`, 409)
    }
    const mimeType = field('mimeType', i) || mimeTypeOf(facts.fileName)
    const binary = await joinParts(dam, parts)
    fs.rmSync(partsDir(ctx.damDir, facts.id), { recursive: true, force: true })
    const outcome = dam.commitAsset(assetPath, { ...binary, mimeType }, {
      replace,
      createVersion,
      versionLabel: field('versionLabel', i),
      versionComment: field('versionComment', i)
    })
    completed.push({ fileName: facts.fileName, path: assetPath, size: binary.size, mimeType, ...outcome })
  }
  return { status: 200, json: { completed } }
}

module.exports = { initiateUpload, completeUpload, uriCount, JSON_TYPE }
