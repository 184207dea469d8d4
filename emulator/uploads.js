'use strict'

/**
 * The asset upload routes of the AEM side, and what they share: direct binary upload
 * (`{folder}.initiateUpload.json`, `{folder}.completeUpload.json`: emulator/direct-upload.js), the
 * create-asset servlet fallback (`{folder}.createasset.html`: emulator/create-asset.js), folder
 * creation (`/api/assets/…`) and reading an asset back (emulator/assets-api.js). Every request to
 * them is logged with whether it carried the affinity cookie initiateUpload set.
 * @module emulator/uploads
 */

const { randomBytes } = require('node:crypto')
const { send, sendJson, splitUrl } = require('./http')
const { initiateUpload, completeUpload } = require('./direct-upload')
const { createAsset, slingHtml } = require('./create-asset')
const { createFolder, serveAsset, API_PREFIX } = require('./assets-api')
const { repoPathOf, isDamPath, DAM_ROOT } = require('./dam')

const INITIATE = '.initiateUpload.json'
const COMPLETE = '.completeUpload.json'
const CREATE_ASSET = '.createasset.html'

/** Whether a request's body is read as a stream by its route (the create-asset servlet), not beforehand. */
function isStreamedUpload (req) {
  return req.method === 'POST' && splitUrl(req.url).path.endsWith(CREATE_ASSET)
}

/** The affinity cookie values a Cookie header carries. */
function affinityValues (cookieHeader) {
  const values = []
  for (const pair of String(cookieHeader || '').split(';')) {
    const [name, ...rest] = pair.trim().split('=')
    if (name === 'affinity') values.push(rest.join('=').replace(/^"(.*)"$/, '$1'))
  }
  return values
}

/**
 * Creates the upload routes of one emulator.
 * @param {{dam: ReturnType<import('./dam').createDam>, uploads: ReturnType<import('./upload-config').createUploadConfig>,
 *   blobStore: {url: string, secret: Buffer}}} shared
 */
function createUploadRoutes ({ dam, uploads, blobStore }) {
  const ctx = {
    dam,
    uploads,
    blobStore,
    damDir: dam.dir,
    /** Signs upload tokens. */
    secret: randomBytes(32),
    /** Affinity cookie values handed out by initiateUpload. */
    affinity: new Set(),
    /** Assets arriving in chunks through the create-asset servlet. */
    chunked: new Map(),
    /** @type {Array<{route: string, method: string, path: string, status: number, affinityCookie: boolean}>} */
    log: []
  }

  /** The route of a raw path, and its folder or asset path. */
  function routeOf (method, raw) {
    if (raw.startsWith(API_PREFIX)) return { route: 'folder' }
    for (const [suffix, route] of [[INITIATE, 'initiate'], [COMPLETE, 'complete'], [CREATE_ASSET, 'create-asset']]) {
      if (raw.endsWith(suffix)) {
        const rawFolder = raw.slice(0, -suffix.length)
        const folder = repoPathOf(rawFolder)
        return isDamPath(folder) ? { route, rawFolder, folder } : null
      }
    }
    if ((method === 'GET' || method === 'HEAD') && isDamPath(repoPathOf(raw)) && raw !== DAM_ROOT) return { route: 'asset' }
    return null
  }

  /**
   * Answers an upload route, if the request is one.
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   * @param {string} body the body read beforehand ('' for the create-asset servlet, which streams it)
   * @param {Record<string, string>} headers headers every AEM answer carries
   * @returns {Promise<boolean>} whether it answered
   */
  async function handle (req, res, body, headers) {
    const raw = splitUrl(req.url).path
    const found = routeOf(req.method, raw)
    if (!found) return false
    const carried = affinityValues(req.headers.cookie).some((value) => ctx.affinity.has(value))
    const record = (status) => ctx.log.push({ route: found.route, method: req.method, path: repoPathOf(raw), status, affinityCookie: carried })
    if (found.route === 'asset') {
      const served = serveAsset(ctx, req, res, raw, headers)
      if (served) record(200)
      return served
    }
    if (found.route !== 'folder' && req.method !== 'POST') {
      record(405)
      send(res, 405, 'text/html;charset=utf-8', slingHtml(405, 'Method not allowed', found.folder), { ...headers, allow: 'POST' })
      return true
    }
    let answer
    if (found.route === 'folder') answer = createFolder(ctx, raw, req.method, body)
    else if (found.route === 'initiate') answer = initiateUpload(ctx, { folder: found.folder, rawFolder: found.rawFolder, form: new URLSearchParams(body) })
    else if (found.route === 'complete') answer = await completeUpload(ctx, { folder: found.folder, form: new URLSearchParams(body) })
    else answer = await createAsset(ctx, req, found.folder)
    record(answer.status)
    const all = { ...headers, ...answer.headers }
    if (answer.notFound) send(res, 404, 'text/html;charset=utf-8', slingHtml(404, `No resource found at ${answer.notFound}`, answer.notFound), all)
    else if (answer.html !== undefined) send(res, answer.status, 'text/html;charset=utf-8', answer.html, all)
    else if (answer.contentType) send(res, answer.status, answer.contentType, JSON.stringify(answer.json), all)
    else sendJson(res, answer.status, answer.json, all)
    return true
  }

  return {
    handle,
    log: ctx.log,
    /** Forgets the log, the affinity cookies and the chunked uploads under way. */
    reset () {
      ctx.log.length = 0
      ctx.affinity.clear()
      ctx.chunked.clear()
    }
  }
}

module.exports = { createUploadRoutes, isStreamedUpload }
