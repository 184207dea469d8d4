'use strict'

/**
 * The create-asset servlet, `POST {folder}.createasset.html`: what @adobe/httptransfer falls back to
 * when initiateUpload does not answer with `files` and `completeURI` (the local AEM SDK). A
 * `multipart/form-data` body with `_charset_`, the `file` part (its file name is the asset's name)
 * and, for a file sent in chunks, `file@Offset`, `chunk@Length` and `file@Length` (with the headers
 * `x-chunked-content-type` and `x-chunked-total-size`). The body is streamed to disk; chunks are
 * written at their offset, and the asset is created once `file@Length` bytes arrived.
 * @module emulator/create-asset
 */

const fs = require('node:fs')
const { pipeline } = require('node:stream/promises')
const { readMultipart, boundaryOf } = require('./multipart')
const { nameProblem, mimeTypeOf, sha256OfFile } = require('./dam')

/** Sling's HtmlResponse, as the servlet answers. */
function slingHtml (status, message, path) {
  return `<html><head><title>${status} ${message}</title></head><body><h1>${message}</h1><table>` +
    `<tr><td>Status</td><td><div id="Status">${status}</div></td></tr>` +
    `<tr><td>Message</td><td><div id="Message">${message}</div></td></tr>` +
    `<tr><td>Location</td><td><a href="${path}" id="Location">${path}</a></td></tr>` +
    '</table></body></html>'
}

/** An integer form field, or undefined when absent; NaN when malformed. */
function intField (fields, name) {
  if (fields[name] === undefined) return undefined
  return /^\d+$/.test(fields[name]) ? Number(fields[name]) : NaN
}

/**
 * Answers one create-asset request, reading its body from the stream.
 * @param {object} ctx the upload routes' context (emulator/uploads.js); `ctx.chunked` holds the
 *   assets being received in chunks: path → `{file, received, total}`
 * @param {import('node:http').IncomingMessage} req
 * @param {string} folder the decoded folder path
 * @returns {Promise<{status: number, html?: string, text?: string}>}
 */
async function createAsset (ctx, req, folder) {
  const { dam } = ctx
  const boundary = boundaryOf(req.headers['content-type'])
  if (!boundary) return { status: 400, html: slingHtml(400, 'Expected a multipart/form-data body', folder) }
  if (!dam.hasFolder(folder)) return { status: 404, notFound: folder }
  let form
  try {
    form = await readMultipart(req, boundary, () => dam.tempFile('part'))
  } catch (error) {
    return { status: 400, html: slingHtml(400, error.message, folder) }
  }
  const drop = () => { for (const f of form.files) fs.rmSync(f.file, { force: true }) }
  const part = form.files.find((f) => f.name === 'file')
  if (!part) {
    drop()
    return { status: 400, html: slingHtml(400, 'No file part', folder) }
  }
  const problem = nameProblem(part.filename)
  if (problem) {
    drop()
    return { status: 400, html: slingHtml(400, `File name ${JSON.stringify(part.filename)}: ${problem}`, folder) }
  }
  const assetPath = `${folder}/${part.filename}`
  const mimeType = req.headers['x-chunked-content-type'] || part.contentType || mimeTypeOf(part.filename)
  const offset = intField(form.fields, 'file@Offset')

  if (offset === undefined) {
    for (const f of form.files) if (f !== part) fs.rmSync(f.file, { force: true })
    const sha256 = await sha256OfFile(part.file)
    const outcome = dam.commitAsset(assetPath, { file: part.file, size: part.size, sha256, mimeType })
    return { status: outcome.created ? 201 : 200, html: slingHtml(outcome.created ? 201 : 200, outcome.created ? 'Created' : 'OK', assetPath) }
  }

  const total = intField(form.fields, 'file@Length')
  const length = intField(form.fields, 'chunk@Length')
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(total) || (length !== undefined && length !== part.size)) {
    drop()
    return { status: 400, html: slingHtml(400, 'Bad file@Offset, chunk@Length or file@Length', assetPath) }
  }
  let entry = ctx.chunked.get(assetPath)
  if (offset === 0 || !entry || entry.total !== total) {
    if (entry) fs.rmSync(entry.file, { force: true })
    entry = { file: dam.tempFile(), received: 0, total }
    fs.writeFileSync(entry.file, '')
    ctx.chunked.set(assetPath, entry)
  }
  if (offset > entry.received || offset + part.size > total) {
    drop()
    return { status: 400, html: slingHtml(400, `Chunk at ${offset} does not follow the ${entry.received} bytes received`, assetPath) }
  }
  await pipeline(fs.createReadStream(part.file), fs.createWriteStream(entry.file, { flags: 'r+', start: offset }))
  drop()
  entry.received = Math.max(entry.received, offset + part.size)
  if (entry.received < total) return { status: 200, html: slingHtml(200, 'OK', assetPath) }
  ctx.chunked.delete(assetPath)
  const sha256 = await sha256OfFile(entry.file)
  const outcome = dam.commitAsset(assetPath, { file: entry.file, size: total, sha256, mimeType })
  return { status: outcome.created ? 201 : 200, html: slingHtml(outcome.created ? 201 : 200, outcome.created ? 'Created' : 'OK', assetPath) }
}

module.exports = { createAsset, slingHtml }
