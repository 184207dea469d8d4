'use strict'

// `aem.upload`: direct binary upload to AEM as a Cloud Service, the way Adobe's "Assets as a Cloud
// Service APIs" reference describes it.
//   1. Folders are created with `POST /api/assets/{path}` (an existing one is fine).
//   2. `POST {folder}.initiateUpload.json` with `fileName` and `fileSize` for several files at
//      once; AEM answers each file's upload token, part URIs and part-size limits, and may set an
//      affinity cookie that the later AEM calls carry.
//   3. The parts are PUT to the pre-signed URIs (another origin: the client's `authFetch` sends
//      them no token, API key, client header or cookie), several at a time.
//   4. `POST {completeURI}` with the upload token, name, type and version options.
// Every request goes through the client's `authFetch`, so it has the client's managed token,
// trust, proxy, retries (a part's 503 is retried there; initiates and folders carry an
// `Idempotency-Key`, so they are too), timeout and tracing. An expired part URI (403 from the blob
// store) initiates that file again; a `complete` whose answer was lost is sent again with the same
// token, and never reported done unless AEM said so. A file whose `complete` was not sent leaves no asset,
// so cancelling leaves nothing half done. Where AEM has no direct binary upload (the local SDK),
// each file is POSTed to the folder's create-asset servlet instead.

const { planParts } = require('./parts')
const { sourceOf } = require('./sources')
const { expandFiles } = require('./files')
const { UploadError, uploadErrorOf, isCancel } = require('./errors')
const { randomUUID } = require('node:crypto')
const { onAbort } = require('../abort')

/** Files named in one `initiateUpload` request. */
const INITIATE_BATCH = 50
/** Parts in flight across all files, by default. */
const DEFAULT_CONCURRENCY = 8
/** How often a file whose part URIs expired is initiated again. */
const MAX_REINITIATES = 2
/** Waits for a folder AEM has just created to be seen (eventual consistency), in ms. */
const FOLDER_SETTLE_WAITS_MS = [100, 200, 400, 800, 1600, 3200]
/** Waits before a failed `complete` is checked and sent again, in ms. */
const COMPLETE_WAITS_MS = [500, 1000, 2000]

/**
 * @typedef {object} UploadOptions
 * @property {number} [concurrency] parts in flight at once (8)
 * @property {AbortSignal} [signal] cancels the upload: parts in flight are dropped, no file that
 *   was not completed is completed
 * @property {(event: UploadEvent) => void} [onProgress] hears every event: each file's
 *   (`filestart`, `fileprogress`, `fileend`, `fileerror`, `filecancelled`), `foldercreated`, and
 *   the run's `progress` (bytes sent of all files, their total, the rate so far)
 * @property {boolean} [stopOnError] the first failed file cancels the others (false)
 * @property {boolean} [createFolders] create the target folder and the folders of directories (true)
 * @property {boolean} [replace] replace an existing asset (false: it is an `ALREADY_EXISTS` error)
 * @property {boolean} [createVersion] keep the existing asset as a version
 * @property {string} [versionLabel]
 * @property {string} [versionComment]
 * @property {Record<string, string>} [partHeaders] headers for every part PUT (per file too)
 * @property {(name: string) => string} [folderNodeName] the node name of a local directory (as is)
 * @property {string[]} [settleFolders] folders the caller has just created, whose 404 to
 *   initiateUpload is waited out as for those the upload creates
 */

/**
 * Uploads `files` into the DAM folder `folder`.
 * @param {{authFetch: Function, serviceURL: string}} host the client's authFetch and URL
 * @param {string} folder e.g. `/content/dam/site/images`
 * @param {Array<string | object> | string | object} files paths (files or directories) or objects
 * @param {UploadOptions} [options]
 */
async function upload (host, folder, files, options = {}) {
  if (options === null || typeof options !== 'object') throw new UploadError('INVALID_OPTIONS', 'options must be an object')
  const base = damFolder(folder)
  const concurrency = options.concurrency === undefined ? DEFAULT_CONCURRENCY : options.concurrency
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UploadError('INVALID_OPTIONS', 'concurrency must be a whole number from 1 to 256')
  const startedAt = performance.now()
  const controller = new AbortController()
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal
  const emit = eventSink(options.onProgress)
  const run = { host, signal, emit, options, cookies: new Map(), slots: semaphore(concurrency), created: new Set(), totalBytes: 0, sentBytes: 0, startedAt, direct: true }

  const { entries, folders } = await expandFiles(base, Array.isArray(files) ? files : [files], options.folderNodeName)
  const results = entries.map((entry) => ({
    fileName: entry.fileName,
    targetFolder: entry.folder,
    targetPath: `${entry.folder}/${entry.fileName}`,
    localPath: entry.localPath,
    fileSize: entry.fileSize,
    mimeType: undefined,
    status: 'pending',
    errors: [],
    elapsedMs: 0
  }))
  for (const entry of entries) run.totalBytes += entry.fileSize ?? 0
  for (const folderPath of options.settleFolders ?? []) run.created.add(String(folderPath))
  const folderResults = []
  try {
    if (options.createFolders !== false) await createFolders(run, base, folders, folderResults)
  } catch (error) {
    for (const result of results) {
      if (signal.aborted) cancelled(run, result, signal.reason)
      else fail(run, result, error)
    }
    return summary(base, results, folderResults, startedAt)
  }
  // Two files to one asset would share one upload: the second and later fail, the first goes on.
  const targets = new Set()
  entries.forEach((entry, i) => {
    if (entry.error === undefined && targets.has(results[i].targetPath)) {
      entry.error = new UploadError('INVALID_OPTIONS', `${results[i].targetPath} is the target of another file of this upload`)
    }
    targets.add(results[i].targetPath)
  })

  const initiator = createInitiator(run)
  let next = 0
  const worker = async () => {
    while (next < entries.length) {
      const index = next++
      const result = results[index]
      if (signal.aborted) { cancelled(run, result, signal.reason); continue }
      initiator.ahead(entries, index)
      await uploadOne(run, initiator, entries[index], result)
      if (result.status === 'failed' && options.stopOnError) controller.abort(new UploadError('USER_CANCELLED', 'stopped after a file failed'))
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, entries.length) }, worker))
  return summary(base, results, folderResults, startedAt)
}

/** Uploads one file and fills its result; never throws. */
async function uploadOne (run, initiator, entry, result) {
  const startedAt = performance.now()
  entry.startedAt = startedAt
  let source = null
  try {
    if (entry.error !== undefined) throw entry.error
    source = await sourceOf(entry.file)
    result.fileSize = source.fileSize
    run.emit('filestart', fileEvent(result))
    // Oak refuses to initiate an upload of 0 bytes: an empty file goes to the create-asset servlet.
    if (!run.direct || source.fileSize === 0) {
      await createAsset(run, entry, source, result)
    } else {
      let target = await initiator.target(entry, source)
      if (target === null) {
        await createAsset(run, entry, source, result)
      } else {
        for (let attempt = 0; ; attempt++) {
          result.mimeType = target.mimeType
          try {
            await sendParts(run, target, source, result, entry)
            break
          } catch (error) {
            if (!(error instanceof UploadError && error.expired) || attempt >= MAX_REINITIATES) throw error
            target = await initiator.again(entry, source)
          }
        }
        await complete(run, entry, target, result)
      }
    }
    result.status = 'uploaded'
    result.elapsedMs = performance.now() - startedAt
    run.emit('fileend', fileEvent(result))
  } catch (error) {
    result.elapsedMs = performance.now() - startedAt
    if (run.signal.aborted && isCancel(error, run.signal)) cancelled(run, result, run.signal.reason)
    else fail(run, result, error)
  } finally {
    if (source !== null) await source.close()
  }
}

/**
 * PUTs a file's parts to its URIs, several at a time (the run's slots bound them all). The first
 * part that fails stops the file's other parts, and they have all settled when this rejects.
 */
async function sendParts (run, target, source, result, entry) {
  const parts = planParts(source.fileSize, target, result.fileName)
  let sent = 0
  // As Adobe's: the type AEM named, then the file's own part headers over it.
  const headers = { 'content-type': target.mimeType || 'application/octet-stream', ...run.options.partHeaders, ...entry.options.partHeaders }
  const stopped = new AbortController()
  const stopListening = onAbort(run.signal, () => stopped.abort(run.signal.reason))
  let failure
  try {
    // The file stops before its slot goes to a part still waiting.
    const stop = (error) => {
      if (failure === undefined && !stopped.signal.aborted) failure = error
      stopped.abort(failure ?? error)
    }
    await Promise.allSettled(parts.map(async (part) => {
      let release
      try {
        release = await run.slots.acquire(stopped.signal)
        const status = await putPart(run, source, part, headers, stopped.signal)
        if (status === 403 || status === 404) {
          const error = new UploadError('FORBIDDEN', `a part URI of ${result.fileName} was refused (${status}): it may have expired`, { status })
          error.expired = true
          throw error
        }
        if (status < 200 || status > 299) throw uploadErrorOf(status, `a part of ${result.fileName} was refused (HTTP ${status})`)
      } catch (error) {
        stop(error)
        return
      } finally {
        if (release !== undefined) release()
      }
      sent += part.end - part.start
      result.transferred = sent
      run.emit('fileprogress', { ...fileEvent(result), transferred: sent })
      overall(run, part.end - part.start)
    }))
  } finally {
    stopListening()
  }
  if (run.signal.aborted) throw run.signal.reason
  if (failure !== undefined) throw failure
}

/**
 * PUTs one part and resolves with the status: a file's range through the core (read from disk
 * as it is sent, in Rust on the native path), other sources' bytes through `authFetch`.
 */
async function putPart (run, source, part, headers, signal) {
  if (signal.aborted) throw signal.reason
  if (source.filePath !== undefined && run.host.putFile !== undefined) {
    const answer = await run.host.putFile({ url: part.url, headers, path: source.filePath, start: part.start, len: part.end - part.start }, signal)
    return answer.status
  }
  const response = await run.host.authFetch(part.url, { method: 'PUT', body: await source.part(part.start, part.end), headers, signal })
  await drain(response)
  return response.status
}

/**
 * `complete`. One whose answer was lost (429, 5xx, no answer) is sent again with the same token;
 * it is done only when AEM says so, and a refusal after a lost answer says the asset's state is
 * unknown rather than guessing.
 */
async function complete (run, entry, target, result) {
  // The fields in the order, and with the values, `@adobe/aem-upload` sends them.
  const option = (name) => entry.options[name] ?? run.options[name]
  const form = new URLSearchParams()
  form.append('fileName', target.fileName ?? entry.fileName)
  form.append('fileSize', String(result.fileSize))
  form.append('mimeType', target.mimeType || 'application/octet-stream')
  form.append('createVersion', String(Boolean(option('createVersion'))))
  if (option('versionLabel')) form.append('versionLabel', String(option('versionLabel')))
  if (option('versionComment')) form.append('versionComment', String(option('versionComment')))
  form.append('replace', String(Boolean(option('replace'))))
  form.append('uploadToken', target.uploadToken)
  form.append('uploadDuration', String(Math.round(performance.now() - entry.startedAt)))
  let lost = false
  for (let attempt = 0; ; attempt++) {
    let failure
    try {
      const response = await aemFetch(run, target.completeURI, form)
      const text = await response.text()
      if (response.ok) return
      failure = uploadErrorOf(response.status, `completing ${result.targetPath} failed (HTTP ${response.status})${aemMessage(text)}`)
      // Refused after an attempt whose answer was lost: that one may have made the asset.
      if (lost && response.status < 500 && response.status !== 429) {
        throw new UploadError('UNEXPECTED_API_STATE', `completing ${result.targetPath}: an earlier attempt's answer was lost and the next was refused (HTTP ${response.status})${aemMessage(text)}; the asset may or may not hold this upload`, { status: response.status })
      }
      if (response.status < 500 && response.status !== 429) throw failure
    } catch (error) {
      if (run.signal.aborted || error instanceof UploadError) throw error
      failure = error
    }
    lost = true
    if (attempt >= COMPLETE_WAITS_MS.length) throw failure
    await pause(COMPLETE_WAITS_MS[attempt], run.signal)
  }
}

/**
 * Where AEM has no direct binary upload: the file as multipart form data to the folder's
 * create-asset servlet (`{folder}.createasset.html`), its bytes read from disk as they are sent.
 */
async function createAsset (run, entry, source, result) {
  const form = new FormData()
  form.append('file', await source.blob(), result.fileName)
  form.append('fileName', result.fileName)
  const release = await run.slots.acquire(run.signal)
  try {
    const response = await run.host.authFetch(`${encodePath(entry.folder)}.createasset.html`, { method: 'POST', body: form, headers: cookieHeaders(run), signal: run.signal })
    const text = await response.text()
    if (!response.ok) throw uploadErrorOf(response.status, `creating ${result.targetPath} failed (HTTP ${response.status})${aemMessage(text)}`)
  } finally {
    release()
  }
  result.transferred = result.fileSize
  run.emit('fileprogress', { ...fileEvent(result), transferred: result.fileSize })
  overall(run, result.fileSize)
}

/**
 * Initiates files in batches of the same folder, ahead of the workers that need them, so that a
 * thousand small files cost a few dozen `initiateUpload` requests rather than a thousand.
 */
function createInitiator (run) {
  /** entry → its batch: the answer (rejections handled here) and the files it named */
  const batches = new Map()
  /** entry → Promise of its target, made when a worker asks for it */
  const targets = new Map()
  return {
    /** Starts the batch holding `entries[index]` unless it has started. */
    ahead (entries, index) {
      if (batches.has(entries[index]) || targets.has(entries[index])) return
      const batch = []
      for (let i = index; i < entries.length && batch.length < INITIATE_BATCH; i++) {
        const entry = entries[i]
        if (entry.folder !== entries[index].folder) break
        if (batches.has(entry) || targets.has(entry) || entry.error !== undefined || entry.fileSize === undefined || entry.fileSize === 0) continue
        batch.push(entry)
      }
      if (batch.length === 0) return
      const answer = initiate(run, entries[index].folder, batch)
      // Files cancelled before their turn never ask for their target: nothing may go unhandled.
      answer.catch(() => {})
      for (const entry of batch) batches.set(entry, { answer, size: batch.length })
    },
    /**
     * The target of `entry` (its batch's answer), or null without direct binary upload. A batch
     * AEM refused (one file it cannot take fails them all) is initiated again file by file, so
     * that only that file fails.
     */
    target (entry, source) {
      if (!targets.has(entry)) {
        const batch = batches.get(entry)
        const alone = () => initiate(run, entry.folder, [{ ...entry, fileSize: source.fileSize }]).then((byName) => byName === null ? null : targetFor(byName, entry))
        targets.set(entry, batch === undefined
          ? alone()
          : batch.answer.then(
            (byName) => byName === null ? null : targetFor(byName, entry),
            (error) => batch.size > 1 && isRefusal(error) ? alone() : Promise.reject(error)
          ))
      }
      return targets.get(entry)
    },
    /** A fresh target for `entry`, its part URIs having expired. */
    async again (entry, source) {
      const byName = await initiate(run, entry.folder, [{ ...entry, fileSize: source.fileSize }])
      if (byName === null) throw new UploadError('NOT_SUPPORTED', 'initiateUpload is no longer available')
      return targetFor(byName, entry)
    }
  }
}

/** Whether a failed initiate was AEM refusing what it was asked (a 4xx other than auth). */
function isRefusal (error) {
  return error instanceof UploadError && error.status >= 400 && error.status < 500 && error.status !== 401 && error.status !== 403
}

function targetFor (byName, entry) {
  const target = byName.files.get(entry.fileName)
  if (target === undefined) throw new UploadError('UNKNOWN', `initiateUpload did not answer for ${entry.fileName}`)
  return { ...target, completeURI: byName.completeURI }
}

/**
 * One `initiateUpload` for `batch` (files of one folder): their targets in order, or null where
 * AEM has no direct binary upload (a 2xx without `files` and `completeURI`, as the local SDK's
 * Sling POST servlet answers, or a 501). A 404 right after the folder was created is waited out.
 */
async function initiate (run, folder, batch) {
  const form = new URLSearchParams()
  for (const entry of batch) {
    form.append('fileName', entry.fileName)
    form.append('fileSize', String(entry.fileSize))
  }
  const folderUrl = new URL(`.${encodePath(folder)}`, run.host.serviceURL)
  for (let attempt = 0; ; attempt++) {
    const response = await aemFetch(run, `${folderUrl.href}.initiateUpload.json`, form, true)
    keepCookies(run, response)
    const text = await response.text()
    if (response.ok) {
      const answer = parseInitiate(text)
      if (answer === null) {
        run.direct = false
        return null
      }
      if (answer.files.length !== batch.length) throw new UploadError('UNEXPECTED_API_STATE', `initiateUpload for ${folder} answered for ${answer.files.length} of ${batch.length} files`)
      const completeURI = new URL(answer.completeURI, folderUrl).href
      return { completeURI, files: new Map(batch.map((entry, i) => [entry.fileName, answer.files[i]])) }
    }
    if (response.status === 404 && run.created.has(folder) && attempt < FOLDER_SETTLE_WAITS_MS.length) {
      await pause(FOLDER_SETTLE_WAITS_MS[attempt], run.signal)
      continue
    }
    if (response.status === 501) {
      run.direct = false
      return null
    }
    throw uploadErrorOf(response.status, `initiateUpload for ${folder} failed (HTTP ${response.status})${aemMessage(text)}`)
  }
}

/** initiateUpload's answer, or null when it is not one (no direct binary upload). */
function parseInitiate (text) {
  let answer
  try {
    answer = JSON.parse(text)
  } catch {
    return null
  }
  if (answer === null || typeof answer !== 'object' || typeof answer.completeURI !== 'string' || !Array.isArray(answer.files)) return null
  return answer
}

/**
 * Creates the target folder, its missing ancestors under /content/dam, and the folders of the
 * local directories, parents first (`POST /api/assets/{path}`, class `assetFolder`); one that
 * exists (409) is fine.
 */
async function createFolders (run, base, folders, folderResults) {
  const all = new Set()
  const add = (path) => {
    for (let at = path.indexOf('/', '/content/dam/'.length); ; at = path.indexOf('/', at + 1)) {
      all.add(at === -1 ? path : path.slice(0, at))
      if (at === -1) break
    }
  }
  if (base !== '/content/dam') add(base)
  for (const folder of folders) add(folder.path)
  const titles = new Map(folders.map((folder) => [folder.path, folder.title]))
  const byDepth = new Map()
  for (const path of all) {
    const depth = path.split('/').length
    if (!byDepth.has(depth)) byDepth.set(depth, [])
    byDepth.get(depth).push(path)
  }
  for (const depth of [...byDepth.keys()].sort((a, b) => a - b)) {
    const level = byDepth.get(depth)
    for (let i = 0; i < level.length; i += 8) {
      await Promise.all(level.slice(i, i + 8).map((path) => createFolder(run, path, titles.get(path), folderResults)))
    }
  }
}

async function createFolder (run, path, title, folderResults) {
  const name = path.slice(path.lastIndexOf('/') + 1)
  const response = await run.host.authFetch(`/api/assets${encodePath(path.slice('/content/dam'.length))}`, {
    method: 'POST',
    // Safe to send again: a folder that the lost attempt made answers 409, which is fine.
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID(), ...cookieHeaders(run) },
    body: JSON.stringify({ class: 'assetFolder', properties: { title: title ?? name } }),
    signal: run.signal
  })
  const text = await response.text()
  if (response.status === 409) return folderResults.push({ path, created: false })
  if (!response.ok) throw uploadErrorOf(response.status, `creating the folder ${path} failed (HTTP ${response.status})${aemMessage(text)}`)
  run.created.add(path)
  folderResults.push({ path, created: true })
  run.emit('foldercreated', { folderName: name, targetParent: path.slice(0, path.lastIndexOf('/')), targetFolder: path })
}

/**
 * A form POST to AEM's origin, with the affinity cookie. `repeatable`: it carries an
 * `Idempotency-Key`, so the client's retries send it again on 429, 5xx or a lost connection.
 */
function aemFetch (run, url, form, repeatable = false) {
  const headers = { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', ...cookieHeaders(run) }
  if (repeatable) headers['idempotency-key'] = randomUUID()
  return run.host.authFetch(url, { method: 'POST', headers, body: form.toString(), signal: run.signal })
}

/** Keeps the cookies AEM set (its affinity cookie), to send back to AEM only. */
function keepCookies (run, response) {
  const cookies = typeof response.headers.getSetCookie === 'function' ? response.headers.getSetCookie() : []
  for (const cookie of cookies) {
    const pair = cookie.split(';', 1)[0]
    const at = pair.indexOf('=')
    if (at > 0) run.cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim())
  }
}

/** The `Cookie` for AEM: the client's own (a login token), then the cookies AEM set. */
function cookieHeaders (run) {
  if (run.cookies.size === 0) return {}
  const own = run.host.cookie === undefined ? [] : [run.host.cookie]
  return { cookie: [...own, ...[...run.cookies].map(([name, value]) => `${name}=${value}`)].join('; ') }
}

/** A DAM path as a URL path: each segment percent-encoded (non-ASCII, `#`, `%`, spaces). */
function encodePath (path) {
  return path.split('/').map((segment) => encodeURIComponent(segment)).join('/')
}

function damFolder (folder) {
  if (typeof folder !== 'string' || !(folder === '/content/dam' || folder.startsWith('/content/dam/'))) {
    throw new UploadError('INVALID_OPTIONS', `the target folder must be a path under /content/dam, not ${JSON.stringify(String(folder))}`)
  }
  return folder.replace(/\/+$/, '')
}

/** AEM's message from an error answer (Sling's HTML or JSON), short. */
function aemMessage (text) {
  if (!text) return ''
  let message
  try {
    const json = JSON.parse(text)
    message = json.message ?? json['status.message'] ?? json.title ?? json.detail
  } catch {
    const match = /<title>([^<]*)<\/title>/i.exec(text) ?? /id="Message">([^<]*)</i.exec(text)
    message = match ? match[1] : undefined
  }
  return typeof message === 'string' && message.trim() !== '' ? `: ${message.trim().slice(0, 300)}` : ''
}

async function drain (response) {
  if (response.body !== null) await response.body.cancel().catch(() => {})
}

function fail (run, result, error) {
  result.status = 'failed'
  const failure = error instanceof UploadError ? error : uploadErrorOf(undefined, error && error.message ? error.message : String(error), error)
  result.errors.push(failure)
  run.emit('fileerror', { ...fileEvent(result), errors: [failure] })
}

function cancelled (run, result, reason) {
  result.status = 'cancelled'
  result.errors.push(reason instanceof UploadError ? reason : new UploadError('USER_CANCELLED', 'the upload was cancelled'))
  run.emit('filecancelled', fileEvent(result))
}

/** The run's own progress after `bytes` more were sent: all files' bytes, and the rate so far. */
function overall (run, bytes) {
  run.sentBytes += bytes
  const seconds = (performance.now() - run.startedAt) / 1000
  run.emit('progress', { transferred: run.sentBytes, total: run.totalBytes, bytesPerSecond: seconds > 0 ? Math.round(run.sentBytes / seconds) : 0 })
}

function fileEvent (result) {
  const event = { fileName: result.fileName, fileSize: result.fileSize, targetFolder: result.targetFolder, targetFile: result.targetPath }
  if (result.mimeType !== undefined) event.mimeType = result.mimeType
  return event
}

function eventSink (onProgress) {
  if (typeof onProgress !== 'function') return () => {}
  return (type, detail) => {
    try {
      onProgress({ type, ...detail })
    } catch {}
  }
}

/** The run's result: every file with its outcome, the folders, and the totals. */
function summary (folder, results, folders, startedAt) {
  const elapsedMs = performance.now() - startedAt
  const totals = { files: results.length, uploaded: 0, failed: 0, cancelled: 0, bytes: 0, elapsedMs }
  for (const result of results) {
    if (result.status === 'uploaded') {
      totals.uploaded++
      totals.bytes += result.fileSize
    } else if (result.status === 'failed') totals.failed++
    else totals.cancelled++
  }
  totals.bytesPerSecond = elapsedMs > 0 ? Math.round(totals.bytes / (elapsedMs / 1000)) : 0
  return { folder, files: results, folders, totals }
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first (one listener per signal). */
function pause (ms, signal) {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise((resolve, reject) => {
    const stop = onAbort(signal, () => {
      clearTimeout(timer)
      reject(signal.reason)
    })
    const timer = setTimeout(() => { stop(); resolve() }, ms)
  })
}

/** At most `size` holders at once; `acquire` resolves with the release, or rejects when `signal` aborts first. */
function semaphore (size) {
  let free = size
  const waiting = []
  const release = () => {
    const next = waiting.shift()
    if (next !== undefined) next()
    else free++
  }
  return {
    acquire (signal) {
      if (signal.aborted) return Promise.reject(signal.reason)
      if (free > 0) {
        free--
        return Promise.resolve(release)
      }
      return new Promise((resolve, reject) => {
        // One listener on the signal however many wait (lib/abort.js).
        const stop = onAbort(signal, () => {
          const at = waiting.indexOf(grant)
          if (at !== -1) waiting.splice(at, 1)
          reject(signal.reason)
        })
        const grant = () => { stop(); resolve(release) }
        waiting.push(grant)
      })
    }
  }
}

module.exports = { upload, encodePath }
