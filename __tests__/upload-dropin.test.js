'use strict'

// `aem-headless-rs/upload` as a drop-in for `@adobe/aem-upload`: one suite, run against Adobe's
// package and against ours on the same emulator, comparing what an app sees: the events (names,
// order per file, payloads), the result JSON (timings aside), the error codes, and the assets.

const { test, before, after, beforeEach } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const https = require('node:https')
const path = require('node:path')
const { setup } = require('./helpers')

const KIB = 1024
const MIN_PART = 64 * KIB
const { adobeUploadPath } = require('./support/adobe-upload')

const IMPLEMENTATIONS = { adobe: adobeUploadPath(), ours: '../lib/upload/adobe.js' }

let env
let local
let token
before(async () => {
  env = await setup({ upload: { minPartSize: MIN_PART, maxPartSize: 4 * MIN_PART } })
  local = fs.mkdtempSync(path.join(env.dir, 'dropin-'))
  token = JSON.parse(fs.readFileSync(env.files.devTokenFile, 'utf8')).accessToken
})
after(() => env.close())
beforeEach(async () => {
  await env.emu.reset()
  env.emu.uploads.configure({ minPartSize: MIN_PART, maxPartSize: 4 * MIN_PART })
})

function writeFile (name, size, seed) {
  const file = path.join(local, name)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const bytes = Buffer.allocUnsafe(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 13 + seed) & 0xff
  fs.writeFileSync(file, bytes)
  return file
}

/** An upload with an implementation's classes, its events recorded. */
function uploader (name, Class) {
  const upload = new Class()
  const events = []
  for (const event of ['fileuploadstart', 'filestart', 'fileprogress', 'fileend', 'fileerror', 'foldercreated', 'fileuploadend']) {
    upload.on(event, (data) => events.push({ event, data: JSON.parse(JSON.stringify(data)) }))
  }
  return { upload, events }
}

function options (lib, Options, folder) {
  return new Options()
    .withUrl(`${env.emu.url}${encodeURI(folder)}`)
    .withHttpOptions({ headers: { Authorization: `Bearer ${token}` }, agent: new https.Agent({ ca: env.emu.caPem }) })
}

/** What may differ between two runs: timings, ids, the order of files in flight. */
function comparable (result) {
  const copy = JSON.parse(JSON.stringify(result))
  copy.totalTime = 'ms'
  copy.folderCreateSpent = 'ms'
  for (const folder of copy.createdFolders) folder.elapsedTime = 'ms'
  for (const file of copy.detailedResult) {
    if (file.result && file.result.errors) file.result.errors = file.result.errors.map((error) => error.code)
  }
  copy.detailedResult.sort((a, b) => (a.fileUrl < b.fileUrl ? -1 : 1))
  return copy
}

/** Each file's events in order, and the run's own, with what may differ masked. */
function eventsByFile (events) {
  const byFile = {}
  const run = []
  for (const { event, data } of events) {
    if (event === 'fileuploadstart' || event === 'fileuploadend') {
      run.push({ event, fileCount: data.fileCount, totalSize: data.totalSize, directoryCount: data.directoryCount, uploadId: typeof data.uploadId })
    } else if (event === 'foldercreated') {
      run.push({ event, data })
    } else {
      const key = data.targetFile
      const masked = { ...data }
      if (masked.errors) masked.errors = masked.errors.map((error) => error.code)
      // Progress counts the parts sent so far, in the order they were answered: the same sum at
      // the end, not the same steps.
      if (event === 'fileprogress') masked.transferred = 'bytes'
      ;(byFile[key] ??= []).push({ event, data: masked })
    }
  }
  return { run, byFile }
}

async function both (scenario) {
  const outcomes = {}
  for (const [name, module] of Object.entries(IMPLEMENTATIONS)) {
    await env.emu.reset()
    env.emu.uploads.configure({ minPartSize: MIN_PART, maxPartSize: 4 * MIN_PART })
    const lib = require(module)
    outcomes[name] = await scenario(lib, name)
    outcomes[name].assets = env.emu.assets.list().map((asset) => [asset.path, asset.size, asset.sha256]).sort()
  }
  return outcomes
}

test('DirectBinaryUpload: the same events, result and assets for files of one and several parts', async () => {
  const files = [writeFile('direct/one.bin', 1, 1), writeFile('direct/several.bin', 3 * MIN_PART + 5, 2), writeFile('direct/min.bin', MIN_PART, 3)]
  const outcomes = await both(async (lib) => {
    const { upload, events } = uploader('direct', lib.DirectBinaryUpload)
    const uploadOptions = options(lib, lib.DirectBinaryUploadOptions, '/content/dam')
      .withUploadFiles(files.map((filePath) => ({ fileName: path.basename(filePath), fileSize: fs.statSync(filePath).size, filePath })))
    const result = await upload.uploadFiles(uploadOptions)
    return { result: comparable(result), events: eventsByFile(events) }
  })
  assert.deepEqual(outcomes.ours.assets, outcomes.adobe.assets)
  assert.equal(outcomes.ours.assets.length, 3)
  assert.deepEqual(outcomes.ours.result, outcomes.adobe.result)
  assert.deepEqual(outcomes.ours.events, outcomes.adobe.events)
})

test('FileSystemUpload, deep: the same folders, node names, events, result and assets', async () => {
  const tree = path.join(local, 'Tree Root')
  writeFile('Tree Root/top.txt', 10, 1)
  writeFile('Tree Root/Sub Dir/one.bin', MIN_PART + 1, 2)
  writeFile('Tree Root/Sub Dir/Deeper.Still/two.bin', 2000, 3)
  writeFile('Tree Root/.hidden', 5, 4)
  const outcomes = await both(async (lib) => {
    const { upload, events } = uploader('fs', lib.FileSystemUpload)
    const uploadOptions = options(lib, lib.FileSystemUploadOptions, '/content/dam/fs target').withDeepUpload(true)
    const result = await upload.upload(uploadOptions, [tree])
    return { result: comparable(result), events: eventsByFile(events) }
  })
  assert.deepEqual(outcomes.ours.assets, outcomes.adobe.assets)
  assert.equal(outcomes.ours.assets.length, 3)
  assert.deepEqual(outcomes.ours.result, outcomes.adobe.result)
  assert.deepEqual(outcomes.ours.events, outcomes.adobe.events)
})

test('an existing asset: the same EALREADYEXISTS for it, and the others complete', async () => {
  const files = [writeFile('exists/a.bin', 100, 1), writeFile('exists/b.bin', 200, 2)]
  const outcomes = await both(async (lib) => {
    env.emu.uploads.rejectExistingAssets(true)
    const first = options(lib, lib.DirectBinaryUploadOptions, '/content/dam').withUploadFiles([{ fileName: 'a.bin', fileSize: 100, filePath: files[0] }])
    await new lib.DirectBinaryUpload().uploadFiles(first)
    const { upload, events } = uploader('exists', lib.DirectBinaryUpload)
    const again = options(lib, lib.DirectBinaryUploadOptions, '/content/dam')
      .withUploadFiles(files.map((filePath) => ({ fileName: path.basename(filePath), fileSize: fs.statSync(filePath).size, filePath })))
    const result = await upload.uploadFiles(again)
    return { result: comparable(result), events: eventsByFile(events) }
  })
  assert.equal(outcomes.adobe.result.totalCompleted, 1)
  assert.deepEqual(outcomes.ours.result, outcomes.adobe.result)
  assert.deepEqual(outcomes.ours.events, outcomes.adobe.events)
  const failed = outcomes.ours.result.detailedResult.find((file) => file.fileUrl.endsWith('/a.bin'))
  assert.deepEqual(failed.result.errors, ['EALREADYEXISTS'])
})

test('the same exports, error codes and option methods', () => {
  const adobe = require(IMPLEMENTATIONS.adobe)
  const ours = require(IMPLEMENTATIONS.ours)
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(adobe).sort())
  assert.deepEqual({ ...ours.DirectBinaryUploadErrorCodes }, { ...adobe.DirectBinaryUploadErrorCodes })
  const methods = (Class) => {
    const names = new Set()
    for (let proto = Class.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const name of Object.getOwnPropertyNames(proto)) if (name !== 'constructor') names.add(name)
    }
    return names
  }
  // Steps that take Adobe's internal process, result and file-system objects, which an app never
  // makes: they are not its API.
  const internal = new Set([
    'getUploadEventData', 'beforeUploadProcess', 'afterUploadProcess', 'executeUploadProcess',
    'convertToUploadFiles', 'convertToUploadFilesWithUrl', 'getUploadInformation', 'createUploadDirectories',
    'createTargetFolder', 'createAemFolderFromFileSystemInfo', 'createAemFolder'
  ])
  for (const name of ['DirectBinaryUploadOptions', 'FileSystemUploadOptions', 'DirectBinaryUpload', 'FileSystemUpload']) {
    const missing = [...methods(adobe[name])].filter((method) => !methods(ours[name]).has(method) && !internal.has(method))
    assert.deepEqual(missing, [], `${name} lacks ${missing.join(', ')}`)
  }
  const defaults = (Options) => new Options().toJSON()
  assert.deepEqual(defaults(ours.DirectBinaryUploadOptions), defaults(adobe.DirectBinaryUploadOptions))
  assert.deepEqual(defaults(ours.FileSystemUploadOptions), defaults(adobe.FileSystemUploadOptions))
  assert.throws(() => new ours.FileSystemUploadOptions().withInvalidCharacterReplaceValue(':'), { code: 'EINVALIDOPTIONS' })
  assert.throws(() => new adobe.FileSystemUploadOptions().withInvalidCharacterReplaceValue(':'), { code: 'EINVALIDOPTIONS' })
})

test('a client given to the drop-in lends it its managed token, and the blob store sees no credential', async () => {
  const { AEMHeadless } = require('..')
  const { DirectBinaryUpload, DirectBinaryUploadOptions } = require(IMPLEMENTATIONS.ours)
  const aem = new AEMHeadless({ serviceURL: env.emu.url, credentials: env.files.credentialsFile, ca: env.emu.caPem })
  const file = writeFile('client/a.bin', 2 * MIN_PART, 9)
  const uploadOptions = new DirectBinaryUploadOptions().withUrl(`${env.emu.url}/content/dam`).withUploadFiles([{ fileName: 'a.bin', fileSize: 2 * MIN_PART, filePath: file }])
  const result = await new DirectBinaryUpload({ client: aem }).uploadFiles(uploadOptions)
  assert.equal(result.totalCompleted, 1)
  assert.equal(env.emu.assets.get('/content/dam/a.bin').size, 2 * MIN_PART)
  assert.deepEqual(env.emu.blobStore.credentialsSeen(), [])
})
