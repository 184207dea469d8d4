'use strict'

// What an upload's `files` argument names, as a flat list: a path to a file, a path to a directory
// (walked recursively: its files go to folders of the same names under the target), or an object
// naming one file (`fileName` with `filePath`, `stream`, `buffer` or `blob`). Sizes of files on
// disk are read here, so that `initiateUpload` can name several files at once.

const fs = require('node:fs')
const path = require('node:path')
const { UploadError } = require('./errors')

/**
 * @typedef {object} Entry
 * @property {string} folder the DAM folder the file goes to
 * @property {string} fileName
 * @property {number | undefined} fileSize known before reading (files on disk, buffers, sized streams)
 * @property {string | undefined} localPath
 * @property {string | object} file what sources.js reads
 * @property {object} options the file's own options (createVersion, replace, partHeaders, …)
 * @property {Error} [error] why it cannot be uploaded (it fails alone)
 */

/**
 * @param {string} base the target folder
 * @param {Array<string | object>} files
 * @param {(name: string) => string} [folderNodeName] a local directory's node name in the DAM
 * @returns {Promise<{entries: Entry[], folders: Array<{path: string, title: string}>}>}
 */
async function expandFiles (base, files, folderNodeName = (name) => name) {
  const entries = []
  const folders = []
  for (const file of files) {
    if (typeof file === 'string') {
      const stat = await statOf(file)
      if (stat.isDirectory()) await walk(file, `${base}/${nodeName(folderNodeName, path.basename(path.resolve(file)))}`, path.basename(path.resolve(file)))
      else entries.push({ folder: base, fileName: path.basename(file), fileSize: stat.size, localPath: file, file, options: {} })
    } else if (file !== null && typeof file === 'object') {
      const fileName = file.fileName ?? (typeof file.filePath === 'string' ? path.basename(file.filePath) : undefined)
      let fileSize = Number.isSafeInteger(file.fileSize) ? file.fileSize : undefined
      if (typeof file.filePath === 'string') fileSize = (await statOf(file.filePath)).size
      else if (file.buffer !== undefined && file.buffer !== null && typeof file.buffer.byteLength === 'number') fileSize = file.buffer.byteLength
      else if (file.blob !== undefined && file.blob !== null && typeof file.blob.size === 'number') fileSize = file.blob.size
      const folder = file.folder === undefined ? base : String(file.folder).replace(/\/+$/, '')
      if (folder !== base && !folder.startsWith(`${base}/`)) throw new UploadError('INVALID_OPTIONS', `${fileName}: its folder ${JSON.stringify(folder)} is not under ${base}`)
      entries.push({ folder, fileName, fileSize, localPath: file.filePath, file, options: file })
    } else {
      throw new UploadError('INVALID_OPTIONS', 'a file to upload is a path or an object with fileName and filePath, stream, buffer or blob')
    }
  }
  return { entries, folders }

  async function walk (directory, folder, title) {
    folders.push({ path: folder, title })
    const children = await fs.promises.readdir(directory, { withFileTypes: true })
    children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const child of children) {
      const local = path.join(directory, child.name)
      // A symbolic link is what it points to; a file that went away fails alone.
      let stat = child
      if (child.isSymbolicLink() || child.isFile()) {
        try {
          stat = await fs.promises.stat(local)
        } catch (error) {
          entries.push({ folder, fileName: child.name, fileSize: undefined, localPath: local, file: local, options: {}, error: new UploadError('NOT_FOUND', error.message, { cause: error }) })
          continue
        }
      }
      if (stat.isDirectory()) await walk(local, `${folder}/${nodeName(folderNodeName, child.name)}`, child.name)
      else if (stat.isFile()) entries.push({ folder, fileName: child.name, fileSize: stat.size, localPath: local, file: local, options: {} })
    }
  }
}

function nodeName (folderNodeName, name) {
  const named = folderNodeName(name)
  if (typeof named !== 'string' || named === '' || named.includes('/')) {
    throw new UploadError('INVALID_OPTIONS', `the folder name for ${JSON.stringify(name)} must be a non-empty name without /`)
  }
  return named
}

async function statOf (file) {
  try {
    return await fs.promises.stat(file)
  } catch (error) {
    throw new UploadError('NOT_FOUND', error.message, { cause: error })
  }
}

module.exports = { expandFiles }
