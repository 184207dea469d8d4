'use strict'

// What an upload reads its bytes from: a file on disk (read a part at a time at its offset), a
// Buffer (sliced), or a stream (read in order, a part at a time). Only the parts in flight are in
// memory, so an upload's memory is bounded by its concurrency times the part size, whatever the
// files' sizes.

const fs = require('node:fs')
const path = require('node:path')
const { UploadError } = require('./errors')

/**
 * @typedef {object} Source
 * @property {string} fileName the asset's name in AEM
 * @property {number} fileSize
 * @property {string} [filePath] the file on disk, when it is one
 * @property {(start: number, end: number) => Promise<Buffer | Blob>} part bytes [start, end) to
 *   send: a file's as a Blob read from disk as it is sent (so a part is never whole in memory),
 *   others' as bytes; a stream's parts must be asked for in order
 * @property {() => Promise<Blob>} blob the whole file as a Blob (a file's is read from disk as it
 *   is sent), for AEM without direct binary upload
 * @property {() => Promise<void>} close lets the file or stream go
 */

/**
 * The source of one file to upload.
 * @param {string | {fileName?: string, filePath?: string, stream?: AsyncIterable<Uint8Array> | ReadableStream, buffer?: Uint8Array, blob?: Blob, fileSize?: number}} file
 * @returns {Promise<Source>}
 */
async function sourceOf (file) {
  if (typeof file === 'string') return fileSource(file, path.basename(file))
  if (file === null || typeof file !== 'object') throw invalid('a file to upload is a path or an object with fileName and filePath, stream or buffer')
  const fileName = file.fileName ?? (typeof file.filePath === 'string' ? path.basename(file.filePath) : undefined)
  if (typeof fileName !== 'string' || fileName === '') throw invalid('a file to upload needs a fileName')
  if (typeof file.filePath === 'string') return fileSource(file.filePath, fileName)
  if (file.buffer !== undefined) return bufferSource(toBuffer(file.buffer, fileName), fileName)
  if (file.blob !== undefined && typeof file.blob.arrayBuffer === 'function') return blobSource(file.blob, fileName)
  if (file.stream !== undefined && file.stream !== null) {
    if (!Number.isSafeInteger(file.fileSize) || file.fileSize < 0) throw invalid(`${fileName}: a stream needs its fileSize`)
    return streamSource(file.stream, fileName, file.fileSize)
  }
  throw invalid(`${fileName}: give filePath, stream, buffer or blob`)
}

async function fileSource (filePath, fileName) {
  const stat = await fs.promises.stat(filePath)
  if (!stat.isFile()) throw invalid(`${filePath} is not a file`)
  /** The file as a Blob: its slices are read from disk as they are sent. */
  let whole = null
  let closed = false
  const blob = () => {
    if (closed) return Promise.reject(invalid(`${filePath} was closed`))
    if (whole === null) whole = fs.openAsBlob(filePath)
    return whole
  }
  return {
    fileName,
    fileSize: stat.size,
    filePath,
    part: async (start, end) => (await blob()).slice(start, end),
    blob,
    async close () {
      closed = true
      whole = null
    }
  }
}

function bufferSource (bytes, fileName) {
  return {
    fileName,
    fileSize: bytes.length,
    part: async (start, end) => bytes.subarray(start, end),
    blob: async () => new Blob([bytes]),
    close: async () => {}
  }
}

function blobSource (blob, fileName) {
  return {
    fileName,
    fileSize: blob.size,
    part: async (start, end) => blob.slice(start, end),
    blob: async () => blob,
    close: async () => {}
  }
}

/** A stream read in order: each part is the next bytes, so parts are asked for one after the other. */
function streamSource (stream, fileName, fileSize) {
  const chunks = typeof stream.getReader === 'function' ? readerIterator(stream.getReader()) : stream[Symbol.asyncIterator]()
  let leftover = null
  let position = 0
  let reading = Promise.resolve()
  async function next (start, end) {
    if (start !== position) throw invalid(`${fileName}: a stream is read in order (asked for byte ${start} at ${position})`)
    const bytes = Buffer.allocUnsafe(end - start)
    let filled = 0
    while (filled < bytes.length) {
      if (leftover === null) {
        const { value, done } = await chunks.next()
        if (done) throw invalid(`${fileName}: the stream ended after ${start + filled} of ${fileSize} bytes`)
        leftover = typeof value === 'string' ? Buffer.from(value) : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
      }
      const take = Math.min(leftover.length, bytes.length - filled)
      leftover.copy(bytes, filled, 0, take)
      filled += take
      leftover = take === leftover.length ? null : leftover.subarray(take)
    }
    position = end
    return bytes
  }
  const read = (start, end) => {
    const result = reading.then(() => next(start, end))
    reading = result.catch(() => {})
    return result
  }
  return {
    fileName,
    fileSize,
    part: read,
    async blob () {
      return new Blob([await read(0, fileSize)])
    },
    async close () {
      if (typeof chunks.return === 'function') await Promise.resolve(chunks.return()).catch(() => {})
      if (typeof stream.destroy === 'function') stream.destroy()
    }
  }
}

function readerIterator (reader) {
  return {
    next: () => reader.read(),
    return: () => reader.cancel().then(() => ({ done: true }))
  }
}

function toBuffer (bytes, fileName) {
  if (Buffer.isBuffer(bytes)) return bytes
  if (bytes instanceof ArrayBuffer) return Buffer.from(bytes)
  if (ArrayBuffer.isView(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (typeof bytes === 'string') return Buffer.from(bytes)
  throw invalid(`${fileName}: buffer must be bytes`)
}

function invalid (message) {
  return new UploadError('INVALID_OPTIONS', message)
}

module.exports = { sourceOf }
