'use strict'

// The emulator's asset upload: AEM as a Cloud Service's direct binary upload (initiateUpload, parts
// PUT to the blob store, completeUpload), folder creation, the create-asset servlet of the local AEM
// SDK, the upload faults, and what reached the blob store; driven with plain fetch, then by Adobe's
// own @adobe/aem-upload in a child process that trusts the emulator's CA.

const { test, before, after, beforeEach } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { createHash, randomBytes } = require('node:crypto')
const { execFile } = require('node:child_process')
const { promisify } = require('node:util')
const { Agent, fetch, FormData } = require('undici')
const { startEmulator } = require('aem-headless-rs/emulator')
const { adobeUploadPath } = require('./support/adobe-upload')

const run = promisify(execFile)
const ROOT = path.join(__dirname, '..')
const KIB = 1024
const MIN_PART = 64 * KIB
const MAX_PART = 256 * KIB
const SETTINGS = { minPartSize: MIN_PART, maxPartSize: MAX_PART }

let emu
let dispatcher
let auth
let scratch

before(async () => {
  emu = await startEmulator({ upload: SETTINGS })
  dispatcher = new Agent({ connect: { ca: emu.caPem } })
  auth = `Bearer ${emu.devToken.accessToken}`
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'emulator-upload-test-'))
})

after(async () => {
  await dispatcher.close()
  await emu.close()
  fs.rmSync(scratch, { recursive: true, force: true })
})

beforeEach(async () => {
  await emu.reset()
  emu.uploads.configure(SETTINGS)
})

/** A request to the emulator with the development token (`headers` over it). */
function aem (urlPath, init = {}) {
  return fetch(emu.url + urlPath, { dispatcher, ...init, headers: { authorization: auth, ...init.headers } })
}

/** A request to a URL the emulator handed out (the blob store), with no credential unless given. */
function blob (url, init = {}) {
  return fetch(url, { dispatcher, ...init })
}

function form (fields) {
  const body = new URLSearchParams()
  for (const [key, value] of fields) body.append(key, String(value))
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() }
}

/** A repository path, percent-encoded segment by segment. */
function encodePath (repoPath) {
  return repoPath.split('/').map(encodeURIComponent).join('/')
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex')

async function createFolder (repoPath, title = repoPath.split('/').pop()) {
  return aem(`/api/assets${encodePath(repoPath.slice('/content/dam'.length))}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ class: 'assetFolder', properties: { 'jcr:title': title } })
  })
}

async function initiate (folder, files, headers = {}) {
  const fields = []
  for (const { name, size } of files) fields.push(['fileName', name], ['fileSize', size])
  const init = form(fields)
  return aem(`${encodePath(folder)}.initiateUpload.json`, { ...init, headers: { ...init.headers, ...headers } })
}

/** PUTs `bytes` to the upload URIs in parts of `partSize` (the last one shorter). */
async function putParts (uris, bytes, partSize) {
  const statuses = []
  for (let offset = 0, i = 0; offset < bytes.length; offset += partSize, i++) {
    const part = bytes.subarray(offset, Math.min(offset + partSize, bytes.length))
    const res = await blob(uris[i], { method: 'PUT', body: part, headers: { 'content-type': 'application/octet-stream' } })
    await res.arrayBuffer()
    statuses.push(res.status)
  }
  return statuses
}

async function complete (completeURI, fields, headers = {}) {
  const init = form(Object.entries(fields))
  return aem(completeURI, { ...init, headers: { ...init.headers, ...headers } })
}

/** Initiates, uploads and completes one file with plain fetch; answers the complete response. */
async function uploadOne (folder, name, bytes, extra = {}) {
  const started = await initiate(folder, [{ name, size: bytes.length }])
  assert.equal(started.status, 201, await started.clone().text())
  const { completeURI, files: [file] } = await started.json()
  const statuses = await putParts(file.uploadURIs, bytes, file.minPartSize)
  assert.ok(statuses.every((s) => s === 201), String(statuses))
  return complete(completeURI, { fileName: file.fileName, mimeType: file.mimeType, uploadToken: file.uploadToken, fileSize: bytes.length, ...extra })
}

test('initiateUpload answers 201 with AEM\'s shape, one URI per minPartSize, and an affinity cookie', async () => {
  assert.equal((await createFolder('/content/dam/a')).status, 201)
  assert.equal((await createFolder('/content/dam/a/b')).status, 201)
  const res = await initiate('/content/dam/a/b', [{ name: 'one.jpg', size: 1 }, { name: 'two.bin', size: 3 * MIN_PART + 5 }])
  assert.equal(res.status, 201)
  assert.match(res.headers.get('set-cookie'), /^affinity="?[0-9a-f]+"?; Path=\/; Secure; HttpOnly$/)
  const body = await res.json()
  assert.equal(body.folderPath, '/content/dam/a/b')
  assert.equal(body.completeURI, '/content/dam/a/b.completeUpload.json')
  assert.equal(body.files.length, 2)
  const [one, two] = body.files
  assert.deepEqual(Object.keys(one).sort(), ['fileName', 'maxPartSize', 'mimeType', 'minPartSize', 'uploadToken', 'uploadURIs'])
  assert.equal(one.fileName, 'one.jpg')
  assert.equal(one.mimeType, 'image/jpeg')
  assert.equal(one.minPartSize, MIN_PART)
  assert.equal(one.maxPartSize, MAX_PART)
  assert.equal(one.uploadURIs.length, 1)
  assert.equal(two.uploadURIs.length, 4)
  assert.equal(two.mimeType, 'application/octet-stream')
  for (const uri of two.uploadURIs) assert.ok(uri.startsWith(emu.blobStore.url + '/uploads/'), uri)

  // At most maxUriCount URIs; a file that does not fit in them is refused.
  emu.uploads.configure({ maxUriCount: 2 })
  const capped = await (await initiate('/content/dam/a/b', [{ name: 'c.bin', size: 3 * MIN_PART }])).json()
  assert.equal(capped.files[0].uploadURIs.length, 2)
  assert.equal((await initiate('/content/dam/a/b', [{ name: 'big.bin', size: 2 * MAX_PART + 1 }])).status, 400)

  // The folder must exist; a 0-byte file is refused (Oak: "maxUploadSizeInBytes must be > 0").
  assert.equal((await initiate('/content/dam/nowhere', [{ name: 'x.bin', size: 1 }])).status, 404)
  assert.equal((await initiate('/content/dam/a', [{ name: 'empty.bin', size: 0 }])).status, 400)
  assert.equal((await initiate('/content/dam/a', [{ name: 'bad:name.bin', size: 1 }])).status, 400)
  // Without authorization: 401, as every AEM route.
  const anonymous = await fetch(`${emu.url}/content/dam/a.initiateUpload.json`, { dispatcher, ...form([['fileName', 'x'], ['fileSize', 1]]) })
  assert.equal(anonymous.status, 401)
})

test('a file of several parts is joined, checked and readable, with the affinity cookie recorded', async () => {
  await createFolder('/content/dam/multi')
  const bytes = randomBytes(3 * MIN_PART + 1234)
  const started = await initiate('/content/dam/multi', [{ name: 'several.bin', size: bytes.length }])
  const cookie = started.headers.get('set-cookie').split(';')[0]
  const { completeURI, files: [file] } = await started.json()
  assert.deepEqual(await putParts(file.uploadURIs, bytes, MIN_PART), [201, 201, 201, 201])
  const done = await complete(completeURI, {
    fileName: file.fileName, mimeType: file.mimeType, uploadToken: file.uploadToken, createVersion: false, replace: false, uploadDuration: 12, fileSize: bytes.length
  }, { cookie })
  assert.equal(done.status, 200, await done.clone().text())
  const asset = emu.assets.get('/content/dam/multi/several.bin')
  assert.equal(asset.size, bytes.length)
  assert.equal(asset.sha256, sha256(bytes))
  assert.equal(asset.mimeType, 'application/octet-stream')
  assert.deepEqual(asset.versions, [])
  assert.ok(fs.readFileSync(asset.file).equals(bytes))
  assert.deepEqual(emu.assets.list().map((a) => a.path), ['/content/dam/multi/several.bin'])

  const read = await aem('/content/dam/multi/several.bin')
  assert.equal(read.status, 200)
  assert.equal(read.headers.get('content-length'), String(bytes.length))
  assert.ok(Buffer.from(await read.arrayBuffer()).equals(bytes))
  assert.equal((await fetch(`${emu.url}/content/dam/multi/several.bin`, { dispatcher })).status, 401)

  const completes = emu.uploads.log.filter((entry) => entry.route === 'complete')
  assert.deepEqual(completes.map((entry) => [entry.status, entry.affinityCookie]), [[200, true]])
  assert.deepEqual(emu.blobStore.credentialsSeen(), [])
  const puts = emu.blobStore.requests.filter((r) => r.method === 'PUT')
  assert.equal(puts.length, 4)
  assert.ok(puts.every((r) => r.path.startsWith('/uploads/') && r.headers['content-length']))
})

test('completeUpload refuses missing parts, a size that disagrees, and a wrong token or name', async () => {
  await createFolder('/content/dam/c')
  const bytes = randomBytes(2 * MIN_PART + 10)
  const started = await (await initiate('/content/dam/c', [{ name: 'f.bin', size: bytes.length }])).json()
  const [file] = started.files
  const fields = { fileName: 'f.bin', mimeType: 'application/octet-stream', uploadToken: file.uploadToken }
  // Only the first and last parts: the second is missing.
  await putParts([file.uploadURIs[0]], bytes.subarray(0, MIN_PART), MIN_PART)
  await putParts([file.uploadURIs[2]], bytes.subarray(2 * MIN_PART), MIN_PART)
  const missing = await complete(started.completeURI, fields)
  assert.equal(missing.status, 400)
  assert.match(await missing.text(), /part 2 is missing/)
  // All parts, but the last one byte short.
  await putParts([file.uploadURIs[1]], bytes.subarray(MIN_PART, 2 * MIN_PART), MIN_PART)
  await putParts([file.uploadURIs[2]], bytes.subarray(2 * MIN_PART + 1), MIN_PART)
  const short = await complete(started.completeURI, fields)
  assert.equal(short.status, 400)
  assert.match(await short.text(), /initiated for/)
  assert.equal((await complete(started.completeURI, { ...fields, uploadToken: 'forged.token' })).status, 400)
  assert.equal((await complete(started.completeURI, { ...fields, fileName: 'other.bin' })).status, 400)
  assert.equal(emu.assets.get('/content/dam/c/f.bin'), undefined)
  // A part over maxPartSize: 413 from the blob store.
  const large = await blob(file.uploadURIs[0], { method: 'PUT', body: randomBytes(MAX_PART + 1) })
  assert.equal(large.status, 413)
  assert.equal(large.headers.get('x-ms-error-code'), 'RequestBodyTooLarge')
})

test('names with non-ASCII characters, #, % and spaces round-trip exactly', async () => {
  const folder = '/content/dam/名前 #1 100%'
  assert.equal((await createFolder(folder)).status, 201)
  for (const name of ['café ünïcødé 日本.txt', 'hash#tag.bin', '100% sure.bin', '  spaced  out .bin', 'a+b=c&d.bin']) {
    const bytes = randomBytes(100)
    const done = await uploadOne(folder, name, bytes)
    assert.equal(done.status, 200, name)
    const asset = emu.assets.get(`${folder}/${name}`)
    assert.ok(asset, name)
    assert.equal(asset.sha256, sha256(bytes), name)
    const read = await aem(encodePath(`${folder}/${name}`))
    assert.equal(read.status, 200, name)
    assert.ok(Buffer.from(await read.arrayBuffer()).equals(bytes), name)
  }
  assert.deepEqual(emu.assets.list().map((a) => a.path.slice(folder.length + 1)).sort(),
    ['  spaced  out .bin', '100% sure.bin', 'a+b=c&d.bin', 'café ünïcødé 日本.txt', 'hash#tag.bin'])
})

test('folders: 201, 409 when it exists, 412 without its parent; /content/dam exists from the start', async () => {
  assert.deepEqual(emu.assets.folders(), ['/content/dam'])
  assert.equal((await createFolder('/content/dam/x/y')).status, 412)
  const made = await createFolder('/content/dam/x', 'The X')
  assert.equal(made.status, 201)
  assert.equal(made.headers.get('location'), '/api/assets/x.json')
  assert.equal((await createFolder('/content/dam/x')).status, 409)
  assert.equal((await createFolder('/content/dam/x/y')).status, 201)
  const notAFolder = await aem('/api/assets/z', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"class":"asset"}' })
  assert.equal(notAFolder.status, 400)
  assert.deepEqual(emu.assets.folders(), ['/content/dam', '/content/dam/x', '/content/dam/x/y'])
  emu.assets.addFolder('/content/dam/x/y/z')
  assert.throws(() => emu.assets.addFolder('/content/dam/missing/child'), RangeError)
})

test('an existing asset: updated by default, 409 with rejectExistingAssets, replaced or versioned when asked', async () => {
  emu.assets.addFolder('/content/dam/v')
  const first = randomBytes(10)
  const second = randomBytes(20)
  const third = randomBytes(30)
  assert.equal((await uploadOne('/content/dam/v', 'a.txt', first)).status, 200)
  assert.equal((await uploadOne('/content/dam/v', 'a.txt', second)).status, 200)
  assert.equal(emu.assets.get('/content/dam/v/a.txt').sha256, sha256(second))
  emu.uploads.rejectExistingAssets(true)
  const conflict = await uploadOne('/content/dam/v', 'a.txt', third)
  assert.equal(conflict.status, 409)
  assert.equal(emu.assets.get('/content/dam/v/a.txt').sha256, sha256(second))
  const versioned = await uploadOne('/content/dam/v', 'a.txt', third, { createVersion: true, versionLabel: 'v2', versionComment: 'third bytes' })
  assert.equal(versioned.status, 200)
  const asset = emu.assets.get('/content/dam/v/a.txt')
  assert.equal(asset.sha256, sha256(third))
  assert.equal(asset.versions.length, 1)
  assert.equal(asset.versions[0].label, 'v2')
  assert.equal(asset.versions[0].comment, 'third bytes')
  assert.equal(asset.versions[0].sha256, sha256(second))
  assert.ok(fs.readFileSync(asset.versions[0].file).equals(second))
  assert.equal((await uploadOne('/content/dam/v', 'a.txt', first, { replace: true })).status, 200)
  assert.deepEqual(emu.assets.get('/content/dam/v/a.txt').versions, [])
  assert.equal(emu.assets.get('/content/dam/v/a.txt').sha256, sha256(first))
})

test('faults: parts answer 503 then succeed; expired URIs answer 403 with Azure\'s XML; a new folder lags', async () => {
  emu.assets.addFolder('/content/dam/f')
  const bytes = randomBytes(MIN_PART + 1)
  const { completeURI, files: [file] } = await (await initiate('/content/dam/f', [{ name: 'p.bin', size: bytes.length }])).json()
  emu.uploads.failNextParts(2)
  const busy = await blob(file.uploadURIs[0], { method: 'PUT', body: bytes.subarray(0, MIN_PART) })
  assert.equal(busy.status, 503)
  assert.match(await busy.text(), /<Code>ServerBusy<\/Code>/)
  assert.deepEqual(await putParts(file.uploadURIs, bytes, MIN_PART), [503, 201])
  assert.deepEqual(await putParts(file.uploadURIs, bytes, MIN_PART), [201, 201])

  emu.uploads.expireNextParts(1)
  const expired = await blob(file.uploadURIs[0], { method: 'PUT', body: bytes.subarray(0, MIN_PART) })
  assert.equal(expired.status, 403)
  assert.match(expired.headers.get('content-type'), /^application\/xml/)
  assert.equal(expired.headers.get('x-ms-error-code'), 'AuthenticationFailed')
  assert.match(await expired.text(), /<Code>AuthenticationFailed<\/Code>.*<AuthenticationErrorDetail>Signed expiry time \[.+\] must be after signed start time/s)
  assert.equal((await complete(completeURI, { fileName: 'p.bin', mimeType: file.mimeType, uploadToken: file.uploadToken })).status, 200)

  // Real expiry: URIs that live 50 ms.
  emu.uploads.configure({ uriLifetimeSeconds: 0.05 })
  const shortLived = await (await initiate('/content/dam/f', [{ name: 'q.bin', size: 1 }])).json()
  await new Promise((resolve) => setTimeout(resolve, 1100))
  const late = await blob(shortLived.files[0].uploadURIs[0], { method: 'PUT', body: Buffer.from('x') })
  assert.equal(late.status, 403)
  // A tampered signature: 403 too.
  const tampered = shortLived.files[0].uploadURIs[0].replace(/sig=[^&]+/, 'sig=AAAA')
  assert.equal((await blob(tampered, { method: 'PUT', body: Buffer.from('x') })).status, 403)

  // Eventual consistency: a folder just created is not found by its first 2 initiateUpload requests.
  emu.uploads.lagFolderCreation(2)
  assert.equal((await createFolder('/content/dam/f/new')).status, 201)
  const statuses = []
  for (let i = 0; i < 3; i++) statuses.push((await initiate('/content/dam/f/new', [{ name: 'n.bin', size: 1 }])).status)
  assert.deepEqual(statuses, [404, 404, 201])

  // emu.fail reaches the upload routes too.
  emu.fail(1, { status: 503, path: '/content/dam/f.initiateUpload.json' })
  assert.equal((await initiate('/content/dam/f', [{ name: 'n.bin', size: 1 }])).status, 503)
})

test('the blob store records every credential that reaches it, and the headers a test marks', async () => {
  emu.assets.addFolder('/content/dam/k')
  const { files: [file] } = await (await initiate('/content/dam/k', [{ name: 'k.bin', size: 3 }])).json()
  emu.blobStore.markClientHeaders(['X-Client-Secret'])
  const res = await blob(file.uploadURIs[0], {
    method: 'PUT',
    body: Buffer.from('abc'),
    headers: { authorization: auth, 'x-api-key': emu.apiKey, cookie: 'affinity=1', 'x-client-secret': 's3cr3t' }
  })
  assert.equal(res.status, 201)
  const seen = emu.blobStore.credentialsSeen()
  assert.deepEqual(seen.map((c) => c.header).sort(), ['authorization', 'cookie', 'x-api-key', 'x-client-secret'])
  assert.ok(seen.every((c) => c.method === 'PUT' && c.path.startsWith('/uploads/')))
  assert.equal(seen.find((c) => c.header === 'authorization').value, auth)
  await emu.reset()
  assert.deepEqual(emu.blobStore.credentialsSeen(), [])
})

test('without direct binary upload (the local SDK): initiateUpload answers Sling\'s status, the create-asset servlet takes the file', async () => {
  emu.uploads.configure({ directBinaryUpload: false })
  emu.assets.addFolder('/content/dam/sdk')
  const res = await initiate('/content/dam/sdk', [{ name: 's.bin', size: 10 }])
  assert.equal(res.status, 200)
  const body = await res.json()
  assert.equal(body.files, undefined)
  assert.equal(body.completeURI, undefined)

  // One part.
  const whole = randomBytes(5000)
  const single = new FormData()
  single.append('_charset_', 'utf-8')
  single.append('file', new Blob([whole], { type: 'image/png' }), 'pic ü#1.png')
  const created = await aem(`${encodePath('/content/dam/sdk')}.createasset.html`, { method: 'POST', body: single })
  assert.equal(created.status, 201, await created.clone().text())
  const asset = emu.assets.get('/content/dam/sdk/pic ü#1.png')
  assert.equal(asset.sha256, sha256(whole))
  assert.equal(asset.mimeType, 'image/png')

  // In chunks, as @adobe/httptransfer sends a file larger than its part size.
  const bytes = randomBytes(25000)
  const chunk = 10000
  for (let offset = 0; offset < bytes.length; offset += chunk) {
    const piece = bytes.subarray(offset, Math.min(offset + chunk, bytes.length))
    const chunked = new FormData()
    chunked.append('_charset_', 'utf-8')
    chunked.append('file@Offset', String(offset))
    chunked.append('chunk@Length', String(piece.length))
    chunked.append('file@Length', String(bytes.length))
    chunked.append('file', new Blob([piece], { type: 'application/octet-stream' }), 'chunked.bin')
    const answer = await aem('/content/dam/sdk.createasset.html', {
      method: 'POST', body: chunked, headers: { 'x-chunked-content-type': 'application/octet-stream', 'x-chunked-total-size': String(bytes.length) }
    })
    assert.equal(answer.status, offset + chunk >= bytes.length ? 201 : 200)
  }
  assert.equal(emu.assets.get('/content/dam/sdk/chunked.bin').sha256, sha256(bytes))
  assert.equal((await aem('/content/dam/nowhere.createasset.html', { method: 'POST', body: single })).status, 404)
})

test('reset() forgets assets, folders, settings and faults', async () => {
  emu.assets.addFolder('/content/dam/r')
  assert.equal((await uploadOne('/content/dam/r', 'r.bin', randomBytes(5))).status, 200)
  const file = emu.assets.get('/content/dam/r/r.bin').file
  emu.uploads.configure({ directBinaryUpload: false, minPartSize: 1000 })
  emu.uploads.failNextParts(3)
  emu.uploads.rejectExistingAssets()
  await emu.reset()
  assert.deepEqual(emu.assets.list(), [])
  assert.deepEqual(emu.assets.folders(), ['/content/dam'])
  assert.equal(fs.existsSync(file), false)
  assert.equal(emu.uploads.settings.directBinaryUpload, true)
  assert.equal(emu.uploads.settings.minPartSize, MIN_PART)  // the start's `upload` option
  assert.deepEqual(emu.uploads.log, [])
  assert.throws(() => emu.uploads.configure({ minPartSize: 0 }), RangeError)
  assert.throws(() => emu.uploads.configure({ partSize: 1 }), TypeError)
})

// ---- Adobe's @adobe/aem-upload against the emulator ----

/** Runs @adobe/aem-upload in a child process that trusts the emulator's CA; answers its result. */
async function runAdobeUpload (job) {
  const caFile = path.join(scratch, 'ca.pem')
  fs.writeFileSync(caFile, emu.caPem)
  const script = `
    const aemUpload = require(${JSON.stringify(adobeUploadPath())})
    const job = JSON.parse(process.argv[1])
    const quiet = { debug () {}, info () {}, warn () {}, error () {} }
    ;(async () => {
      const events = []
      let result
      if (job.kind === 'files') {
        const options = new aemUpload.DirectBinaryUploadOptions()
          .withUrl(job.url)
          .withUploadFiles(job.files)
          .withConcurrent(true)
          .withHttpRetryDelay(50)
          .withHttpOptions({ headers: { Authorization: job.auth } })
        const upload = new aemUpload.DirectBinaryUpload({ log: quiet })
        for (const name of ['fileend', 'fileerror']) upload.on(name, (data) => events.push({ name, fileName: data.fileName }))
        result = await upload.uploadFiles(options)
      } else {
        const options = new aemUpload.FileSystemUploadOptions()
          .withUrl(job.url)
          .withDeepUpload(true)
          .withHttpRetryDelay(50)
          .withHttpOptions({ headers: { Authorization: job.auth } })
        const upload = new aemUpload.FileSystemUpload({ log: quiet })
        for (const name of ['fileend', 'fileerror', 'foldercreated']) upload.on(name, (data) => events.push({ name, fileName: data.fileName || data.folderName }))
        result = await upload.upload(options, job.paths)
      }
      process.stderr.write('\\n@@RESULT@@' + JSON.stringify({ events, errors: result.errors || [] }) + '\\n')
    })().catch((error) => { process.stderr.write('\\n@@RESULT@@' + JSON.stringify({ failed: String(error && error.stack || error) }) + '\\n') })
  `
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: caFile }
  delete env.NODE_TEST_CONTEXT
  const { stderr } = await run(process.execPath, ['-e', script, JSON.stringify(job)], { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024 })
  const line = stderr.split('\n').find((l) => l.startsWith('@@RESULT@@'))
  assert.ok(line, stderr.slice(-2000))
  const result = JSON.parse(line.slice('@@RESULT@@'.length))
  assert.equal(result.failed, undefined, result.failed)
  return result
}

/** Writes local files of the given sizes; answers `{name, filePath, bytes}` each. */
function localFiles (dir, specs) {
  fs.mkdirSync(dir, { recursive: true })
  return specs.map(([name, size]) => {
    const bytes = randomBytes(size)
    const filePath = path.join(dir, name)
    fs.writeFileSync(filePath, bytes)
    return { name, filePath, bytes }
  })
}

test('@adobe/aem-upload uploads files of 1 byte, exactly minPartSize, several parts and odd names; every byte matches', async () => {
  emu.assets.addFolder('/content/dam/adobe')
  const files = localFiles(path.join(scratch, 'direct'), [
    ['one byte.bin', 1],
    ['exact.bin', MIN_PART],
    ['several parts.bin', 3 * MIN_PART + 777],
    ['café 日本 ü.txt', 2048],
    ['empty.bin', 0],
    ['hash#tag.bin', 10],
    ['100%.bin', 10]
  ])
  const result = await runAdobeUpload({
    kind: 'files',
    url: `${emu.url}/content/dam/adobe`,
    auth,
    files: files.map((f) => ({ fileName: f.name, fileSize: f.bytes.length, filePath: f.filePath }))
  })
  const uploaded = ['one byte.bin', 'exact.bin', 'several parts.bin', 'café 日本 ü.txt']
  for (const f of files.filter((file) => uploaded.includes(file.name))) {
    const asset = emu.assets.get(`/content/dam/adobe/${f.name}`)
    assert.ok(asset, `${f.name} was not uploaded: ${JSON.stringify(result)}`)
    assert.equal(asset.size, f.bytes.length, f.name)
    assert.ok(fs.readFileSync(asset.file).equals(f.bytes), f.name)
  }
  // The library refuses these itself, before any request: an empty file, and '#' or '%' in a name.
  assert.deepEqual(emu.assets.list().map((a) => a.path).sort(), uploaded.map((n) => `/content/dam/adobe/${n}`).sort())
  assert.deepEqual(result.events.filter((e) => e.name === 'fileerror').map((e) => e.fileName).sort(), ['100%.bin', 'empty.bin', 'hash#tag.bin'])

  // What it sent: no credential reached the blob store; every part within the sizes AEM gave.
  assert.deepEqual(emu.blobStore.credentialsSeen(), [])
  const puts = emu.blobStore.requests.filter((r) => r.method === 'PUT')
  assert.equal(puts.length, 1 + 1 + 4 + 1)
  assert.ok(puts.every((r) => Number(r.headers['content-length']) <= MAX_PART))
  const initiates = emu.requests.filter((r) => r.url.endsWith('.initiateUpload.json'))
  assert.ok(initiates.length >= 2)
  assert.ok(initiates.every((r) => r.headers.authorization === auth && /^application\/x-www-form-urlencoded/.test(r.headers['content-type'])))
  const completes = emu.requests.filter((r) => r.url.endsWith('.completeUpload.json'))
  assert.equal(completes.length, 4)
  const fields = new URLSearchParams(completes[0].body)
  assert.deepEqual([...new Set(fields.keys())].sort(), ['createVersion', 'fileName', 'fileSize', 'mimeType', 'replace', 'uploadDuration', 'uploadToken'])
  // @adobe/httptransfer keeps no cookies: the affinity cookie initiateUpload set does not come back.
  assert.ok(emu.uploads.log.filter((e) => e.route === 'complete').every((e) => e.affinityCookie === false))
})

test('@adobe/aem-upload FileSystemUpload creates a nested folder tree and uploads every file into it', async () => {
  const tree = path.join(scratch, 'tree')
  const files = [
    ...localFiles(tree, [['top.bin', 2 * MIN_PART + 3]]),
    ...localFiles(path.join(tree, 'alpha'), [['a.txt', 100]]),
    ...localFiles(path.join(tree, 'alpha', 'beta'), [['deep.bin', MIN_PART]]),
    ...localFiles(path.join(tree, 'alpha', 'beta', 'gamma'), [['deeper.bin', 1]])
  ]
  const result = await runAdobeUpload({ kind: 'tree', url: `${emu.url}/content/dam/fs/target`, auth, paths: [tree] })
  assert.deepEqual(result.errors, [])
  const folders = emu.assets.folders()
  // The target folder and its parents, then the local folder itself ('tree') and its descendants.
  const base = '/content/dam/fs/target/tree'
  for (const folder of ['/content/dam/fs', '/content/dam/fs/target', base, `${base}/alpha`, `${base}/alpha/beta`, `${base}/alpha/beta/gamma`]) {
    assert.ok(folders.includes(folder), `${folder} in ${folders.join(', ')}`)
  }
  const assets = emu.assets.list()
  assert.equal(assets.length, files.length)
  for (const f of files) {
    const relative = path.relative(tree, f.filePath).split(path.sep).join('/')
    const asset = emu.assets.get(`${base}/${relative}`)
    assert.ok(asset, `${relative} in ${assets.map((a) => a.path).join(', ')}`)
    assert.ok(fs.readFileSync(asset.file).equals(f.bytes), relative)
  }
  // Folder creation: JSON {class: 'assetFolder', properties: {'jcr:title'}} to /api/assets/…
  const creations = emu.requests.filter((r) => r.url.startsWith('/api/assets/'))
  assert.ok(creations.length >= 5)
  assert.deepEqual(Object.keys(JSON.parse(creations[0].body)), ['class', 'properties'])
  assert.deepEqual(Object.keys(JSON.parse(creations[0].body).properties), ['jcr:title'])
  assert.deepEqual(emu.blobStore.credentialsSeen(), [])
})

test('@adobe/aem-upload falls back to the create-asset servlet when direct binary upload is off', async () => {
  emu.uploads.configure({ directBinaryUpload: false })
  emu.assets.addFolder('/content/dam/sdk')
  const files = localFiles(path.join(scratch, 'sdk'), [['s1.bin', 3000], ['s 2 é.txt', 1]])
  await runAdobeUpload({
    kind: 'files',
    url: `${emu.url}/content/dam/sdk`,
    auth,
    files: files.map((f) => ({ fileName: f.name, fileSize: f.bytes.length, filePath: f.filePath }))
  })
  for (const f of files) {
    const asset = emu.assets.get(`/content/dam/sdk/${f.name}`)
    assert.ok(asset, f.name)
    assert.ok(fs.readFileSync(asset.file).equals(f.bytes), f.name)
  }
  assert.equal(emu.blobStore.requests.length, 0)
  assert.ok(emu.uploads.log.some((entry) => entry.route === 'create-asset' && entry.status === 201))
})
