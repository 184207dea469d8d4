'use strict'

/**
 * The DAM of one emulator: its folders (`/content/dam` exists from the start) and its assets, whose
 * bytes live in files of a temporary directory, never in memory. The upload routes
 * (emulator/direct-upload.js, emulator/create-asset.js) write assets; `GET {asset path}`
 * (emulator/assets-api.js) and the emulator's `assets` API read them.
 * @module emulator/dam
 */

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { createHash, randomUUID } = require('node:crypto')
const { pipeline } = require('node:stream/promises')
const { decode } = require('./http')

const DAM_ROOT = '/content/dam'
/** Characters a JCR name cannot hold (`/ : [ ] | *`) and control characters. */
const ILLEGAL_NAME = /[/:[\]|*\u0000-\u001f\u007f]/
/** A few MIME types by extension, as AEM's MimeTypeService answers them; others are application/octet-stream. */
const MIME_TYPES = {
  bin: 'application/octet-stream',
  csv: 'text/csv',
  gif: 'image/gif',
  html: 'text/html',
  jpeg: 'image/jpeg',
  jpg: 'image/jpeg',
  json: 'application/json',
  mp4: 'video/mp4',
  pdf: 'application/pdf',
  png: 'image/png',
  svg: 'image/svg+xml',
  txt: 'text/plain',
  webp: 'image/webp',
  xml: 'application/xml',
  zip: 'application/zip'
}

/**
 * @typedef {object} AssetVersion an earlier binary of an asset, kept by `createVersion`
 * @property {string|null} label
 * @property {string|null} comment
 * @property {number} size
 * @property {string} mimeType
 * @property {string} sha256 hex
 * @property {string} file the temporary file holding its bytes
 * @property {string} created ISO date the binary was written
 */

/**
 * @typedef {object} DamAsset an asset, as `emu.assets.get(path)` answers it
 * @property {string} path the decoded repository path, e.g. `/content/dam/a/b/file.bin`
 * @property {number} size
 * @property {string} mimeType
 * @property {string} sha256 hex
 * @property {string} file the temporary file holding its bytes
 * @property {string} created ISO date
 * @property {string} modified ISO date
 * @property {AssetVersion[]} versions earlier binaries, oldest first
 */

/** The decoded repository path of a raw (percent-encoded) request path, segment by segment. */
function repoPathOf (rawPath) {
  return rawPath.split('/').map(decode).join('/')
}

/** Whether a path is `/content/dam` or under it, without empty, `.` or `..` segments. */
function isDamPath (repoPath) {
  if (repoPath !== DAM_ROOT && !repoPath.startsWith(DAM_ROOT + '/')) return false
  return repoPath.split('/').slice(1).every((segment) => segment !== '' && segment !== '.' && segment !== '..')
}

/** Why a node name is not valid (empty, `.`, `..`, or a character JCR does not allow), or null. */
function nameProblem (name) {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..') return 'the name is empty'
  if (ILLEGAL_NAME.test(name)) return 'the name holds a character a JCR name cannot hold (/ : [ ] | * or a control character)'
  return null
}

/** The MIME type of a file name, by its extension. */
function mimeTypeOf (name) {
  const dot = name.lastIndexOf('.')
  return (dot >= 0 && MIME_TYPES[name.slice(dot + 1).toLowerCase()]) || 'application/octet-stream'
}

/** The parent folder of a repository path (`/content/dam/a/b` → `/content/dam/a`). */
function parentOf (repoPath) {
  return repoPath.slice(0, repoPath.lastIndexOf('/')) || '/'
}

/**
 * Hashes a file with SHA-256 by streaming it.
 * @param {string} file
 * @returns {Promise<string>} hex
 */
async function sha256OfFile (file) {
  const hash = createHash('sha256')
  await pipeline(fs.createReadStream(file), hash)
  return hash.digest('hex')
}

/**
 * Creates an empty DAM (only `/content/dam`) in a fresh temporary directory.
 * @returns {{dir: string, hasFolder: (p: string) => boolean, addFolder: (p: string, title?: string) => void,
 *   folders: () => string[], getAsset: (p: string) => DamAsset|undefined, listAssets: () => DamAsset[],
 *   tempFile: (hint?: string) => string, commitAsset: Function, clear: () => void, close: () => void}}
 */
function createDam () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aem-emulator-dam-'))
  /** @type {Map<string, string>} folder path → title */
  const folders = new Map([[DAM_ROOT, 'Assets']])
  /** @type {Map<string, DamAsset>} */
  const assets = new Map()
  const filesDir = () => {
    const d = path.join(dir, 'files')
    fs.mkdirSync(d, { recursive: true })
    return d
  }

  return {
    dir,
    hasFolder: (p) => folders.has(p),
    addFolder (p, title = p.slice(p.lastIndexOf('/') + 1)) { folders.set(p, title) },
    folders: () => [...folders.keys()].sort(),
    getAsset: (p) => assets.get(p),
    listAssets: () => [...assets.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),

    /** A fresh path in the DAM's directory for a file to be written. */
    tempFile: (hint = 'bin') => path.join(filesDir(), `${randomUUID()}.${hint}`),

    /**
     * Makes a written file the binary of the asset at `assetPath`: a new asset, or the asset's new
     * binary (the earlier one becomes a version with `createVersion`, is dropped otherwise; `replace`
     * also drops the earlier versions, as AEM deletes and re-creates the asset).
     * @param {string} assetPath
     * @param {{file: string, size: number, sha256: string, mimeType: string}} binary
     * @param {{createVersion?: boolean, replace?: boolean, versionLabel?: string|null, versionComment?: string|null}} [how]
     * @returns {{created: boolean, versioned: boolean}}
     */
    commitAsset (assetPath, binary, how = {}) {
      const now = new Date().toISOString()
      const existing = assets.get(assetPath)
      if (!existing) {
        assets.set(assetPath, { path: assetPath, ...binary, created: now, modified: now, versions: [] })
        return { created: true, versioned: false }
      }
      let versions = existing.versions
      if (how.replace) {
        for (const v of versions) fs.rmSync(v.file, { force: true })
        versions = []
        fs.rmSync(existing.file, { force: true })
      } else if (how.createVersion) {
        versions = [...versions, {
          label: how.versionLabel || null,
          comment: how.versionComment || null,
          size: existing.size,
          mimeType: existing.mimeType,
          sha256: existing.sha256,
          file: existing.file,
          created: existing.modified
        }]
      } else {
        fs.rmSync(existing.file, { force: true })
      }
      const created = how.replace ? now : existing.created
      assets.set(assetPath, { path: assetPath, ...binary, created, modified: now, versions })
      return { created: Boolean(how.replace), versioned: Boolean(how.createVersion && !how.replace) }
    },

    /** Back to an empty DAM: every asset file and upload part is deleted. */
    clear () {
      assets.clear()
      folders.clear()
      folders.set(DAM_ROOT, 'Assets')
      for (const entry of fs.readdirSync(dir)) fs.rmSync(path.join(dir, entry), { recursive: true, force: true })
    },

    /** Deletes the temporary directory. */
    close () {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

module.exports = { createDam, parentOf, sha256OfFile, repoPathOf, isDamPath, nameProblem, mimeTypeOf, DAM_ROOT }
