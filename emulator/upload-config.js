'use strict'

/**
 * How the emulator answers asset uploads, and the upload faults a test injects: part sizes, the
 * number and lifetime of upload URIs, the mode without direct binary upload (the local AEM SDK), and
 * failures of the blob store and of AEM's upload routes. Shared by the AEM side
 * (emulator/direct-upload.js, emulator/assets-api.js) and the blob store (emulator/blob-uploads.js).
 * @module emulator/upload-config
 */

const MIB = 1024 * 1024

/**
 * The defaults: Oak's AzureDataStore (classic AzureBlobStoreBackend) answers `minPartSize` 10 MiB
 * and `maxPartSize` 100 MiB, and at most 50000 upload URIs (Azure's limit on blocks per blob).
 */
const UPLOAD_DEFAULTS = Object.freeze({
  minPartSize: 10 * MIB,
  maxPartSize: 100 * MIB,
  maxUriCount: 50000,
  uriLifetimeSeconds: 3600,
  directBinaryUpload: true
})

function positiveInteger (value, what) {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${what} must be a positive integer, got ${String(value)}`)
  return value
}

function count (value, what) {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative integer, got ${String(value)}`)
  return value
}

/**
 * Checks and merges upload settings over `base`.
 * @param {object} base
 * @param {{minPartSize?: number, maxPartSize?: number, maxUriCount?: number, uriLifetimeSeconds?: number,
 *   directBinaryUpload?: boolean}} [given]
 */
function mergeSettings (base, given = {}) {
  if (!given || typeof given !== 'object') throw new TypeError('upload settings must be an object')
  const known = Object.keys(UPLOAD_DEFAULTS)
  const unknown = Object.keys(given).filter((key) => !known.includes(key))
  if (unknown.length) throw new TypeError(`upload settings: unknown ${unknown.join(', ')} (known: ${known.join(', ')})`)
  const merged = { ...base }
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue
    if (key === 'directBinaryUpload') merged[key] = Boolean(value)
    else if (key === 'uriLifetimeSeconds') {
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`uriLifetimeSeconds must be a positive number, got ${String(value)}`)
      merged[key] = value
    } else merged[key] = positiveInteger(value, key)
  }
  if (merged.maxPartSize < merged.minPartSize) throw new RangeError('maxPartSize must be at least minPartSize')
  return merged
}

/**
 * Creates the upload settings and faults of one emulator.
 * @param {object} [options] the `upload` option of `startEmulator` (see `mergeSettings`)
 */
function createUploadConfig (options) {
  const initial = mergeSettings(UPLOAD_DEFAULTS, options)
  let settings = initial
  const faults = {
    /** Part PUTs still to fail, each `{status}`, in order. */
    partStatuses: [],
    /** Part PUTs still to answer as an expired SAS. */
    expiredParts: 0,
    /** How many initiateUpload requests into a just-created folder answer 404. */
    folderLag: 0,
    /** Per folder: initiateUpload requests that still answer 404. */
    laggingFolders: new Map(),
    /** 409 on complete for an existing asset, unless `replace` or `createVersion`. */
    rejectExisting: false
  }

  return {
    get settings () { return settings },
    faults,

    /** Changes some settings from now on (uploads initiated before keep theirs). */
    configure (given) { settings = mergeSettings(settings, given) },

    /** The next `n` part PUTs the blob store receives answer `status` (default 503, Azure's ServerBusy). */
    failNextParts (n = 1, { status = 503 } = {}) {
      count(n, 'count')
      if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError(`status must be 400 … 599, got ${String(status)}`)
      for (let i = 0; i < n; i++) faults.partStatuses.push(status)
    },

    /** The next `n` part PUTs answer 403 AuthenticationFailed, as Azure answers an expired SAS. */
    expireNextParts (n = 1) { faults.expiredParts += count(n, 'count') },

    /** Each folder created from now on is invisible to its first `n` initiateUpload requests (404). */
    lagFolderCreation (n = 1) { faults.folderLag = count(n, 'count') },

    /** true: completing onto an existing asset without `replace` or `createVersion` answers 409. */
    rejectExistingAssets (on = true) { faults.rejectExisting = Boolean(on) },

    /**
     * The fault a part PUT meets, if any (counted against it).
     * @returns {{kind: 'status', status: number}|{kind: 'expired'}|null}
     */
    takePartFault () {
      if (faults.partStatuses.length) return { kind: 'status', status: faults.partStatuses.shift() }
      if (faults.expiredParts > 0) {
        faults.expiredParts -= 1
        return { kind: 'expired' }
      }
      return null
    },

    /** Called when a folder is created: starts its lag. */
    folderCreated (folder) {
      if (faults.folderLag > 0) faults.laggingFolders.set(folder, faults.folderLag)
    },

    /** Whether an initiateUpload into `folder` still meets the folder's lag (counted against it). */
    takeFolderLag (folder) {
      const left = faults.laggingFolders.get(folder) || 0
      if (left <= 0) return false
      if (left === 1) faults.laggingFolders.delete(folder)
      else faults.laggingFolders.set(folder, left - 1)
      return true
    },

    /** Back to the start's settings, with no fault. */
    reset () {
      settings = initial
      faults.partStatuses.length = 0
      faults.expiredParts = 0
      faults.folderLag = 0
      faults.laggingFolders.clear()
      faults.rejectExisting = false
    }
  }
}

module.exports = { createUploadConfig, UPLOAD_DEFAULTS }
