'use strict'

// How a file is cut into the parts AEM's `initiateUpload` asked for, by Jackrabbit's
// `BinaryUpload` rules: every part but the last is at least `minPartSize` and at most
// `maxPartSize` bytes, there are no more parts than upload URIs, and a small file uses fewer URIs
// than given (one part below `minPartSize`). A file too large for the URIs given is refused before
// anything is sent.

const { UploadError } = require('./errors')

/**
 * @typedef {object} Part
 * @property {string} url the pre-signed URI the part goes to
 * @property {number} start the part's first byte in the file
 * @property {number} end one past its last byte
 */

/**
 * The parts of a `fileSize`-byte file, in order.
 * @param {number} fileSize
 * @param {{uploadURIs: string[], minPartSize: number, maxPartSize: number}} target what
 *   `initiateUpload` answered for the file (`maxPartSize` -1 or 0: no maximum)
 * @param {string} fileName named in an error
 * @returns {Part[]}
 */
function planParts (fileSize, target, fileName) {
  const uris = target.uploadURIs
  const min = Math.max(1, Number(target.minPartSize) || 1)
  const max = Number(target.maxPartSize) > 0 ? Number(target.maxPartSize) : Infinity
  if (!Array.isArray(uris) || uris.length === 0) {
    throw new UploadError('UNEXPECTED_API_STATE', `initiateUpload gave no upload URIs for ${fileName}`)
  }
  if (fileSize === 0 || fileSize <= min || uris.length === 1) {
    if (fileSize > max) throw tooLarge(fileSize, uris.length, max, fileName)
    return [{ url: uris[0], start: 0, end: fileSize }]
  }
  const partSize = Math.max(min, Math.ceil(fileSize / uris.length))
  if (partSize > max) throw tooLarge(fileSize, uris.length, max, fileName)
  const parts = []
  for (let start = 0; start < fileSize; start += partSize) {
    parts.push({ url: uris[parts.length], start, end: Math.min(fileSize, start + partSize) })
  }
  return parts
}

function tooLarge (fileSize, uriCount, max, fileName) {
  return new UploadError('TOO_LARGE', `${fileName} (${fileSize} bytes) does not fit in ${uriCount} part(s) of at most ${max} bytes that AEM offered`)
}

module.exports = { planParts }
