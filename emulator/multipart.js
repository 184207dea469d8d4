'use strict'

/**
 * A streaming `multipart/form-data` reader: small fields are kept as strings, file parts are
 * written to files as they arrive (at most one chunk and a boundary's length are held in memory).
 * @module emulator/multipart
 */

const fs = require('node:fs')
const { once } = require('node:events')

const MAX_FIELD_BYTES = 64 * 1024
const MAX_HEADER_BYTES = 16 * 1024

/** The boundary of a `multipart/form-data` content type, or null. */
function boundaryOf (contentType) {
  const match = /^multipart\/form-data\s*;.*\bboundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType || '')
  return match ? match[1] || match[2] : null
}

/** The name, file name and type of a part, from its header block. */
function partHeaders (text) {
  const headers = {}
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const disposition = headers['content-disposition'] || ''
  const param = (key) => {
    const m = new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(disposition) || new RegExp(`;\\s*${key}=([^;]+)`, 'i').exec(disposition)
    return m ? m[1].replace(/\\(.)/g, '$1') : undefined
  }
  return { name: param('name'), filename: param('filename'), contentType: headers['content-type'] }
}

/**
 * Reads a multipart body.
 * @param {AsyncIterable<Buffer>} body the request
 * @param {string} boundary
 * @param {() => string} newFile where a file part is written
 * @returns {Promise<{fields: Record<string, string>, files: Array<{name: string, filename: string,
 *   contentType: string|undefined, file: string, size: number}>}>}
 * @throws {Error} on a malformed body (the files written so far are deleted)
 */
async function readMultipart (body, boundary, newFile) {
  const delimiter = Buffer.from(`\r\n--${boundary}`)
  const fields = {}
  const files = []
  // The body starts with "--boundary"; pretend a CRLF came before it so every delimiter looks alike.
  let pending = Buffer.from('\r\n')
  let state = 'preamble'
  let current = null
  let fieldChunks = []
  let fieldBytes = 0

  async function emit (data) {
    if (data.length === 0) return
    if (current.out) {
      current.size += data.length
      if (!current.out.write(data)) await once(current.out, 'drain')
    } else {
      fieldBytes += data.length
      if (fieldBytes > MAX_FIELD_BYTES) throw new Error('a form field is too large')
      fieldChunks.push(data)
    }
  }

  async function endPart () {
    if (current.out) {
      current.out.end()
      await once(current.out, 'finish')
      files.push({ name: current.name, filename: current.filename, contentType: current.contentType, file: current.file, size: current.size })
    } else if (current.name !== undefined) {
      fields[current.name] = Buffer.concat(fieldChunks).toString('utf8')
    }
    current = null
    fieldChunks = []
    fieldBytes = 0
  }

  try {
    for await (const chunk of body) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk
      for (;;) {
        if (state === 'preamble' || state === 'body') {
          const at = pending.indexOf(delimiter)
          if (at < 0) {
            const keep = Math.min(pending.length, delimiter.length - 1)
            if (state === 'body') await emit(pending.subarray(0, pending.length - keep))
            pending = pending.subarray(pending.length - keep)
            break
          }
          if (state === 'body') {
            await emit(pending.subarray(0, at))
            await endPart()
          }
          pending = pending.subarray(at + delimiter.length)
          state = 'after-delimiter'
        }
        if (state === 'after-delimiter') {
          if (pending.length < 2) break
          const tail = pending.subarray(0, 2).toString('latin1')
          if (tail === '--') {
            state = 'done'
            break
          }
          if (tail !== '\r\n') throw new Error('malformed multipart body')
          pending = pending.subarray(2)
          state = 'headers'
        }
        if (state === 'headers') {
          const end = pending.indexOf('\r\n\r\n')
          if (end < 0) {
            if (pending.length > MAX_HEADER_BYTES) throw new Error('multipart headers too large')
            break
          }
          const info = partHeaders(pending.subarray(0, end).toString('utf8'))
          pending = pending.subarray(end + 4)
          current = { ...info, size: 0 }
          if (info.filename !== undefined) {
            current.file = newFile()
            current.out = fs.createWriteStream(current.file)
          }
          state = 'body'
        }
        if (state === 'done') break
      }
      if (state === 'done') break
    }
    if (state !== 'done') throw new Error('the multipart body ended before its closing boundary')
  } catch (error) {
    if (current && current.out) {
      current.out.destroy()
      fs.rmSync(current.file, { force: true })
    }
    for (const f of files) fs.rmSync(f.file, { force: true })
    throw error
  }
  return { fields, files }
}

module.exports = { readMultipart, boundaryOf }
