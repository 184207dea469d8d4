'use strict'

// `aem-headless-rs/upload`: a drop-in for `@adobe/aem-upload` 2.x. The same exports, options
// (`with…` methods and getters), events (`fileuploadstart`, `filestart`, `fileprogress`,
// `fileend`, `fileerror`, `foldercreated`, `fileuploadend`) with the same payloads, the same
// result JSON and error codes, over this package's uploader (lib/upload/upload.js). Given a
// client (`new DirectBinaryUpload({ client })`), uploads use its managed token; otherwise the
// `withHttpOptions` headers go to AEM (never to the blob store), as Adobe's do. Where Adobe's
// refuses what AEM accepts (an empty file, a name with `#` or `%`), this one uploads it.

const { EventEmitter } = require('node:events')
const { randomUUID } = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')
const { UploadError, DirectBinaryUploadErrorCodes, uploadErrorOf } = require('./errors')

const DEFAULTS = { maxConcurrent: 5, retryCount: 3, retryDelay: 5000, requestTimeout: 60000 }
const MAX_FILE_UPLOAD = 1000
const INVALID_CHARACTERS = /[/:[\]|*\\]/g
const INVALID_FOLDER_CHARACTERS = /[.%;#+?^{}\s"&]/g
const INVALID_ASSET_CHARACTERS = /[#%{}?&]/g
/** Names a file-system upload leaves out: temporary and system files, as Adobe's does. */
const SKIPPED_NAMES = [/^[.~]/i, /^TestFile/i, /\.tmp$/i, /\.~tmp$/i, /^desktop\.ini/i, /^Thumbs\.db/i, /^Adobe Bridge Cache\.bc(t)?$/i]

class DirectBinaryUploadOptions {
  constructor () {
    this.options = { ...DEFAULTS }
  }

  withUrl (url) { this.options.url = url; return this }
  withUploadFiles (uploadFiles) { this.options.uploadFiles = uploadFiles; return this }
  withConcurrent (isConcurrent) { return this.withMaxConcurrent(isConcurrent ? 5 : 1) }
  withMaxConcurrent (maxConcurrent) { this.options.maxConcurrent = maxConcurrent; return this }
  withHttpOptions (options) {
    const current = this.getHttpOptions()
    const merged = { ...current, ...options }
    if (current.headers && options.headers) merged.headers = { ...current.headers, ...options.headers }
    this.options.httpOptions = merged
    return this
  }

  withHttpRetryCount (retryCount) { this.options.retryCount = retryCount; return this }
  withHttpRetryDelay (retryDelay) { this.options.retryDelay = retryDelay; return this }
  withHttpRequestTimeout (timeout) { this.options.requestTimeout = timeout; return this }

  getUrl () { return String(this.options.url ?? '').replace(/\/+$/, '') || '/' }
  getTargetFolderPath () { return decodeURIComponent(new URL(this.getUrl()).pathname) }
  getUrlPrefix () {
    try {
      return new URL(this.getUrl()).origin
    } catch {
      return ''
    }
  }

  getUploadFiles () { return this.options.uploadFiles || [] }
  isConcurrent () { return this.getMaxConcurrent() > 1 }
  getMaxConcurrent () { return this.options.maxConcurrent }
  getHttpOptions () { return this.options.httpOptions || {} }
  getHttpRetryCount () { return this.options.retryCount }
  getHttpRetryDelay () { return this.options.retryDelay }
  getHttpRequestTimeout () { return this.options.requestTimeout }
  toJSON () { return { ...this.options } }
}

class FileSystemUploadOptions extends DirectBinaryUploadOptions {
  constructor () {
    super()
    this.replaceValue = '-'
    this.folderNodeProcessor = async (name) => name.replace(INVALID_FOLDER_CHARACTERS, this.replaceValue).toLowerCase()
    this.assetNodeProcessor = async (name) => name.replace(INVALID_ASSET_CHARACTERS, this.replaceValue)
  }

  static fromOptions (uploadOptions) {
    const options = new FileSystemUploadOptions()
    options.options = { ...uploadOptions.options }
    for (const key of ['replaceValue', 'folderNodeProcessor', 'assetNodeProcessor', 'uploadFileOptions']) {
      if (uploadOptions[key] !== undefined) options[key] = uploadOptions[key]
    }
    return options
  }

  withMaxUploadFiles (maxFileCount) { this.options.maxUploadFiles = maxFileCount; return this }
  withDeepUpload (deepUpload) { this.options.deepUpload = deepUpload; return this }
  withFolderNodeNameProcessor (processor) { this.folderNodeProcessor = processor; return this }
  withAssetNodeNameProcessor (processor) { this.assetNodeProcessor = processor; return this }
  withInvalidCharacterReplaceValue (replaceValue) {
    if (new RegExp(INVALID_CHARACTERS.source).test(replaceValue)) {
      throw new UploadError('INVALID_OPTIONS', 'Invalid character replace value contains invalid characters')
    }
    this.replaceValue = replaceValue
    return this
  }

  withUploadFileOptions (options) { this.uploadFileOptions = options; return this }
  getMaxUploadFiles () { return this.options.maxUploadFiles || MAX_FILE_UPLOAD }
  getDeepUpload () { return !!this.options.deepUpload }
  getFolderNodeNameProcessor () { return this.folderNodeProcessor }
  getAssetNodeNameProcessor () { return this.assetNodeProcessor }
  getInvalidCharacterReplaceValue () { return this.replaceValue }
  getUploadFileOptions () { return this.uploadFileOptions || {} }
}

class DirectBinaryUpload extends EventEmitter {
  /**
   * @param {{log?: {debug: Function, info: Function, warn: Function, error: Function}, client?: import('../../index')}} [options]
   *   `client`: an `AEMHeadless` whose managed token, trust and retries the uploads use
   */
  constructor (options = {}) {
    super()
    this.options = options
    this.log = options.log
  }

  getOptions () { return this.options }
  logInfo (...args) { if (this.log) this.log.info(...args) }
  logWarn (...args) { if (this.log) this.log.warn(...args) }
  logDebug (...args) { if (this.log) this.log.debug(...args) }
  logError (...args) { if (this.log) this.log.error(...args) }
  sendEvent (eventName, eventData) { this.emit(eventName, eventData) }

  /** Uploads `options.getUploadFiles()` to `options.getUrl()`; resolves with Adobe's result JSON. */
  async uploadFiles (options) {
    const uploadFiles = options.getUploadFiles()
    const eventData = startData(uploadFiles, 0)
    this.emit('fileuploadstart', eventData)
    return this.run(options, uploadFiles, [], eventData)
  }

  /** One run after its `fileuploadstart`: the core's upload, `fileuploadend`, and Adobe's result. */
  async run (options, uploadFiles, createdFolders, eventData, client = clientOf(this.options.client, options)) {
    const result = { host: options.getUrlPrefix(), totalFiles: 0, totalTime: 0, totalCompleted: 0, totalFileSize: 0, folderCreateSpent: 0, createdFolders, detailedResult: [], errors: [], retryErrors: [] }
    try {
      const described = uploadFiles.map((file) => describe(options, file))
      const sources = new Map(described.map((file) => [file.targetFile, file]))
      const startedAt = Date.now()
      const outcome = await client.upload(options.getTargetFolderPath(), described.map((file) => file.spec), {
        concurrency: Math.max(1, Number(options.getMaxConcurrent()) || 1),
        createFolders: false,
        // The folders this upload made: AEM may answer 404 for them a moment longer.
        settleFolders: createdFolders.filter((folder) => folder.error === undefined).map((folder) => folder.folderPath),
        onProgress: (event) => this.relay(event, sources)
      })
      result.totalTime = Date.now() - startedAt
      for (const file of outcome.files) {
        const entry = sources.get(file.targetPath)
        result.detailedResult.push(entry.json)
      }
      result.totalFiles = described.length
      result.totalFileSize = described.reduce((sum, file) => sum + file.json.fileSize, 0)
      result.totalCompleted = outcome.totals.uploaded
    } catch (error) {
      result.errors.push(asUploadError(error).toJSON())
    }
    this.emit('fileuploadend', { ...eventData, result })
    return result
  }

  /** A core event as Adobe's: the source's folder and file added, the result kept. */
  relay (event, sources) {
    const { type, ...detail } = event
    if (type === 'foldercreated' || type === 'filecancelled' || type === 'progress') return
    const entry = sources.get(detail.targetFile)
    const data = { fileName: detail.fileName, fileSize: detail.fileSize, targetFolder: detail.targetFolder, targetFile: detail.targetFile, sourceFolder: entry ? entry.sourceFolder : '.', sourceFile: entry ? entry.sourceFile : '' }
    if (detail.mimeType !== undefined && type !== 'filestart') data.mimeType = detail.mimeType
    if (type === 'fileprogress') data.transferred = detail.transferred
    if (type === 'fileerror') data.errors = detail.errors
    if ((type === 'fileend' || type === 'fileerror') && entry) entry.json.result = data
    this.emit(type, data)
  }
}

/** What `fileuploadstart` and `fileuploadend` say of a run. */
function startData (uploadFiles, directoryCount) {
  const totalSize = uploadFiles.reduce((sum, file) => sum + (Number(file && file.fileSize) || 0), 0)
  return { uploadId: randomUUID(), fileCount: uploadFiles.length, totalSize, directoryCount }
}

class FileSystemUpload extends DirectBinaryUpload {
  /**
   * Uploads local files and directories (deeply with `withDeepUpload(true)`, creating folders) to
   * the options' URL. Rejects when a folder cannot be created (other than one that exists) or
   * when there are more files than `withMaxUploadFiles`.
   * @param {DirectBinaryUploadOptions} options
   * @param {string[]} localPaths
   */
  async upload (options, localPaths) {
    const fsOptions = FileSystemUploadOptions.fromOptions(options)
    const client = clientOf(this.options.client, fsOptions)
    const createdFolders = []
    const target = fsOptions.getTargetFolderPath()
    const segments = target.split('/').filter(Boolean)
    for (let i = 3; i <= segments.length; i++) {
      const folder = `/${segments.slice(0, i).join('/')}`
      await this.createFolder(client, folder, segments[i - 1], createdFolders)
    }
    const { files, folders } = await walk(fsOptions, localPaths, target)
    const uploadFiles = files.map((file) => ({ ...fsOptions.getUploadFileOptions(), fileUrl: `${fsOptions.getUrlPrefix()}${encodeURI(file.folder)}/${encodeURIComponent(file.name)}`, fileSize: file.size, filePath: file.localPath }))
    const eventData = startData(uploadFiles, folders.length)
    this.emit('fileuploadstart', eventData)
    for (const folder of folders) await this.createFolder(client, folder.path, folder.title, createdFolders)
    if (uploadFiles.length === 0) {
      const result = { host: fsOptions.getUrlPrefix(), totalFiles: 0, totalTime: 0, totalCompleted: 0, totalFileSize: 0, folderCreateSpent: 0, createdFolders, detailedResult: [], errors: [], retryErrors: [] }
      this.emit('fileuploadend', { ...eventData, result })
      return result
    }
    return this.run(fsOptions, uploadFiles, createdFolders, eventData, client)
  }

  /** Creates one folder (`POST /api/assets/…`); one that exists (409) is recorded, not announced. */
  async createFolder (client, folder, title, createdFolders) {
    const startedAt = Date.now()
    const response = await client.authFetch(`/api/assets${encodeURI(folder.slice('/content/dam'.length))}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ class: 'assetFolder', properties: { 'jcr:title': title } })
    })
    await response.arrayBuffer().catch(() => {})
    const record = { elapsedTime: Date.now() - startedAt, folderPath: folder, folderTitle: title, retryErrors: [] }
    if (response.status === 409) {
      record.elapsedTime = 0
      record.error = uploadErrorOf(409, 'Request failed with status code 409').toJSON()
      createdFolders.push(record)
      return
    }
    if (!response.ok) throw uploadErrorOf(response.status, `Request failed with status code ${response.status}`)
    createdFolders.push(record)
    this.emit('foldercreated', { folderName: title, targetParent: path.posix.dirname(folder), targetFolder: folder })
  }
}

/** An upload file of Adobe's shape as the core's file, its result JSON, and its source. */
function describe (options, file) {
  if (!file || (!file.fileName && !file.fileUrl) || (!file.fileSize && file.fileSize !== 0) || (!file.filePath && (!file.blob || !file.blob.slice))) {
    throw new UploadError('INVALID_OPTIONS', 'UploadFile missing required fields. Must have one of fileName or fileUrl, fileSize, and either filePath or blob')
  }
  const fileUrl = file.fileUrl || `${options.getUrl()}/${encodeURIComponent(file.fileName)}`
  const pathname = decodeURIComponent(new URL(fileUrl).pathname)
  const folder = path.posix.dirname(pathname)
  const fileName = path.posix.basename(pathname)
  const json = { fileUrl, fileSize: file.fileSize }
  if (file.createVersion) json.createVersion = true
  if (file.versionComment) json.versionComment = file.versionComment
  if (file.versionLabel) json.versionLabel = file.versionLabel
  if (file.replace) json.replace = true
  if (file.filePath) json.filePath = file.filePath
  if (file.partHeaders && Object.keys(file.partHeaders).length) json.multipartHeaders = file.partHeaders
  if (file.blob) json.blob = '<provided>'
  const spec = {
    fileName,
    folder,
    fileSize: file.fileSize,
    createVersion: Boolean(file.createVersion),
    replace: Boolean(file.replace),
    versionLabel: file.versionLabel || undefined,
    versionComment: file.versionComment || undefined,
    partHeaders: file.partHeaders
  }
  if (file.filePath) spec.filePath = file.filePath
  else spec.blob = Buffer.isBuffer(file.blob) ? new Blob([file.blob]) : file.blob
  const sourceFile = file.filePath ? path.resolve(file.filePath) : ''
  return { spec, json, targetFile: pathname, sourceFolder: file.filePath ? path.dirname(sourceFile) : '.', sourceFile }
}

/**
 * The client the uploads go through: the one given, else one for the URL's host with the
 * `withHttpOptions` headers (AEM's origin only) and the CA of its `agent`, if any.
 * @returns {import('../../index')}
 */
function clientOf (client, options) {
  if (client !== undefined && client !== null) return client
  const AEMHeadless = require('../../index')
  const http = options.getHttpOptions()
  const config = { serviceURL: options.getUrlPrefix() }
  if (http.headers && Object.keys(http.headers).length) config.headers = { ...http.headers }
  const ca = http.agent && http.agent.options ? http.agent.options.ca : undefined
  if (ca !== undefined) config.ca = Array.isArray(ca) ? ca.map(String).join('\n') : String(ca)
  return new AEMHeadless(config)
}

/**
 * The files and folders of a file-system upload: files directly under the target; directories
 * (their files flat under the target, or with deep upload as folders of the same names, made by
 * the node-name processors). Temporary and missing paths are left out, as Adobe's does.
 */
async function walk (options, localPaths, target) {
  const files = []
  const folders = []
  const limit = options.getMaxUploadFiles()
  const deep = options.getDeepUpload()
  const check = () => {
    if (files.length + folders.length > limit) throw new UploadError('TOO_LARGE', `Maximum number of files exceeded: ${limit}`)
  }
  const assetName = async (name) => {
    const ext = path.extname(name)
    return replaceInvalid(await options.getAssetNodeNameProcessor()(path.basename(name, ext)), options) + ext
  }
  const folderName = async (name) => replaceInvalid(await options.getFolderNodeNameProcessor()(name), options)
  const skipped = (localPath) => SKIPPED_NAMES.some((pattern) => pattern.test(path.basename(localPath)))
  async function directory (local, remote, depth) {
    const children = await fs.promises.readdir(local, { withFileTypes: true })
    for (const child of children) {
      if (skipped(child.name)) continue
      const childPath = path.join(local, child.name)
      if (child.isFile()) {
        files.push({ folder: remote, name: await assetName(child.name), size: (await fs.promises.stat(childPath)).size, localPath: childPath })
      } else if (child.isDirectory() && deep) {
        const folder = `${remote}/${await folderName(child.name)}`
        folders.push({ path: folder, title: child.name })
        await directory(childPath, folder, depth + 1)
      }
      check()
    }
  }
  for (const localPath of localPaths) {
    if (skipped(localPath)) continue
    let stat
    try {
      stat = await fs.promises.stat(localPath)
    } catch {
      continue
    }
    if (stat.isFile()) {
      files.push({ folder: target, name: await assetName(path.basename(localPath)), size: stat.size, localPath })
    } else if (stat.isDirectory()) {
      if (deep) {
        const title = path.basename(path.resolve(localPath))
        const folder = `${target}/${await folderName(title)}`
        folders.push({ path: folder, title })
        await directory(localPath, folder, 1)
      } else {
        await directory(localPath, target, 1)
      }
    }
    check()
  }
  return { files, folders }
}

function replaceInvalid (name, options) {
  return String(name).replace(INVALID_CHARACTERS, options.getInvalidCharacterReplaceValue())
}

function asUploadError (error) {
  if (error instanceof UploadError) return error
  return new UploadError('UNKNOWN', error && error.message ? error.message : String(error))
}

module.exports = { DirectBinaryUpload, DirectBinaryUploadOptions, DirectBinaryUploadErrorCodes, FileSystemUpload, FileSystemUploadOptions }
