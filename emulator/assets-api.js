'use strict'

/**
 * The Assets HTTP API's folder creation, `POST /api/assets/{path under /content/dam}` with
 * `{"class": "assetFolder", "properties": {"jcr:title": …}}` (what @adobe/aem-upload's
 * FileSystemUpload sends; `title` is taken too): 201; 409 when the folder (or an asset) exists; 412
 * when its parent does not ("root collection cannot be found", as Adobe documents it). And the
 * binary of an uploaded asset: `GET|HEAD {asset path}` streams its file.
 * @module emulator/assets-api
 */

const fs = require('node:fs')
const { DAM_ROOT, parentOf, nameProblem, repoPathOf, isDamPath } = require('./dam')

const API_PREFIX = '/api/assets/'
const SIREN_TYPE = 'application/vnd.siren+json;charset=utf-8'

/** The error answer of the Assets HTTP API (a Siren entity with the status). */
function apiError (status, message) {
  return { status, json: { class: ['core/response'], properties: { 'status.code': status, 'status.message': message } }, contentType: SIREN_TYPE }
}

/**
 * Answers `POST /api/assets/{path}`.
 * @param {object} ctx the upload routes' context (emulator/uploads.js)
 * @param {string} rawPath the raw request path
 * @param {string} method
 * @param {string} body
 * @returns {{status: number, json: unknown, contentType: string, headers?: Record<string, string>}}
 */
function createFolder (ctx, rawPath, method, body) {
  const folder = DAM_ROOT + '/' + repoPathOf(rawPath.slice(API_PREFIX.length)).replace(/\/+$/, '')
  if (method !== 'POST') return apiError(405, 'Method not allowed (the emulator creates folders only)')
  if (!isDamPath(folder) || folder === DAM_ROOT) return apiError(400, 'Not a folder path under /content/dam')
  let request
  try {
    request = JSON.parse(body)
  } catch {
    return apiError(400, 'The body is not JSON')
  }
  if (!request || request.class !== 'assetFolder') return apiError(400, 'Expected {"class": "assetFolder", "properties": {...}}')
  const name = folder.slice(folder.lastIndexOf('/') + 1)
  const problem = nameProblem(name)
  if (problem) return apiError(400, problem)
  const { dam } = ctx
  if (dam.hasFolder(folder) || dam.getAsset(folder)) return apiError(409, `${folder} already exists`)
  if (!dam.hasFolder(parentOf(folder))) return apiError(412, `The parent of ${folder} does not exist`)
  const properties = (request.properties && typeof request.properties === 'object') ? request.properties : {}
  const title = String(properties['jcr:title'] ?? properties.title ?? name)
  dam.addFolder(folder, title)
  ctx.uploads.folderCreated(folder)
  return {
    status: 201,
    json: {
      class: ['assets/folder'],
      properties: { name, title },
      links: [{ rel: ['self'], href: `/api/assets${rawPath.slice(API_PREFIX.length - 1)}.json` }]
    },
    contentType: SIREN_TYPE,
    headers: { location: `/api/assets${rawPath.slice(API_PREFIX.length - 1)}.json` }
  }
}

/**
 * Streams an uploaded asset's bytes for `GET|HEAD {asset path}`.
 * @param {object} ctx the upload routes' context (emulator/uploads.js)
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {string} rawPath
 * @param {Record<string, string>} headers headers every AEM answer carries
 * @returns {boolean} whether it answered (false: no asset there)
 */
function serveAsset (ctx, req, res, rawPath, headers) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false
  const asset = ctx.dam.getAsset(repoPathOf(rawPath))
  if (!asset) return false
  res.writeHead(200, {
    ...headers,
    'content-type': asset.mimeType,
    'content-length': asset.size,
    etag: `"${asset.sha256}"`,
    'last-modified': new Date(asset.modified).toUTCString()
  })
  if (req.method === 'HEAD') return res.end() || true
  fs.createReadStream(asset.file).on('error', () => res.destroy()).pipe(res)
  return true
}

module.exports = { createFolder, serveAsset, API_PREFIX }
