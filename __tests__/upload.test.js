'use strict'

// `aem.upload` against the emulator's direct binary upload (emulator/direct-upload.js, the blob
// store on its second origin): part sizes by Jackrabbit's rules, names AEM must keep as given,
// folder trees, every fault AEM and the blob store answer, the create-asset fallback, cancelling,
// bounded memory, and no credential of AEM's at the blob store. Every uploaded byte is compared.

const { test, before, after, beforeEach } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { createHash } = require('node:crypto')
const { Readable } = require('node:stream')
const { setup } = require('./helpers')
const { AEMHeadless } = require('..')

const KIB = 1024
const MIN_PART = 64 * KIB

let env
let local
before(async () => {
  env = await setup({ upload: { minPartSize: MIN_PART, maxPartSize: 4 * MIN_PART } })
  local = fs.mkdtempSync(path.join(env.dir, 'files-'))
})
after(() => env.close())
beforeEach(async () => {
  await env.emu.reset()
  env.emu.uploads.configure({ minPartSize: MIN_PART, maxPartSize: 4 * MIN_PART })
  env.emu.blobStore.markClientHeaders(['x-app-marker'])
})

const client = (extra = {}) => new AEMHeadless({
  serviceURL: env.emu.url,
  credentials: env.files.credentialsFile,
  ca: env.emu.caPem,
  headers: { 'X-App-Marker': 'app-header-value' },
  ...extra
})

/** `size` bytes of a pattern that differs by `seed`, so that misplaced parts show. */
function bytes (size, seed = 1) {
  const buffer = Buffer.allocUnsafe(size)
  for (let i = 0; i < size; i++) buffer[i] = (i * 31 + seed * 7 + (i >> 12)) & 0xff
  return buffer
}

function writeFile (name, size, seed) {
  const file = path.join(local, name)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, bytes(size, seed))
  return file
}

const sha256 = (buffer) => createHash('sha256').update(buffer).digest('hex')

/** Asserts the asset at `damPath` holds exactly `expected`. */
function assertAsset (damPath, expected) {
  const asset = env.emu.assets.get(damPath)
  assert.ok(asset, `${damPath} exists`)
  assert.equal(asset.size, expected.length, `${damPath} size`)
  assert.equal(asset.sha256, sha256(expected), `${damPath} bytes`)
  assert.deepEqual(fs.readFileSync(asset.file), expected)
}

function assertNoCredentialAtBlobStore () {
  assert.deepEqual(env.emu.blobStore.credentialsSeen(), [])
  assert.ok(env.emu.blobStore.requests.length > 0, 'parts went to the blob store')
}

test('files of 0 bytes, 1 byte, exactly minPartSize and several parts: every byte arrives', async () => {
  const sizes = { 'empty.bin': 0, 'one.bin': 1, 'min.bin': MIN_PART, 'several.bin': 3 * MIN_PART + 123 }
  const files = Object.entries(sizes).map(([name, size], i) => writeFile(`sizes/${name}`, size, i))
  const events = []
  const result = await client().upload('/content/dam/sizes', files, { onProgress: (event) => events.push(event) })
  assert.equal(result.totals.uploaded, 4, JSON.stringify(result.files.map((f) => f.errors)))
  assert.equal(result.totals.failed, 0)
  for (const [i, [name, size]] of Object.entries(sizes).entries()) {
    assertAsset(`/content/dam/sizes/${name}`, bytes(size, i))
  }
  // The file of several parts went as several PUTs of at least minPartSize each but the last.
  const puts = env.emu.blobStore.requests.filter((r) => r.method === 'PUT')
  assert.equal(puts.length, 1 + 1 + 4)
  // One initiateUpload named the three files with bytes; Oak initiates no upload of 0 bytes, so
  // the empty one went to the create-asset servlet.
  const initiates = env.emu.requests.filter((r) => r.url.includes('.initiateUpload.json'))
  assert.equal(initiates.length, 1)
  assert.deepEqual(new URLSearchParams(initiates[0].body).getAll('fileName'), ['one.bin', 'min.bin', 'several.bin'])
  assert.equal(env.emu.requests.filter((r) => r.url.endsWith('.createasset.html')).length, 1)
  // Progress: a start and an end per file, and progress that reaches each file's size.
  for (const name of Object.keys(sizes)) {
    const own = events.filter((e) => e.fileName === name)
    assert.equal(own[0].type, 'filestart')
    assert.equal(own.at(-1).type, 'fileend')
    assert.equal(own.filter((e) => e.type === 'fileprogress').at(-1).transferred, sizes[name])
  }
  assertNoCredentialAtBlobStore()
})

test('names with non-ASCII letters, #, %, + and spaces are kept exactly', async () => {
  const names = ['Ünïcödé 日本語.bin', 'a#b.bin', '100% sure.bin', 'a+b c.bin', 'semi;colon&amp.bin']
  const files = names.map((name, i) => writeFile(`names/${name}`, 1000 + i, i))
  const result = await client().upload('/content/dam/names ü', files)
  assert.equal(result.totals.uploaded, names.length, JSON.stringify(result.files.map((f) => f.errors.map(String))))
  names.forEach((name, i) => assertAsset(`/content/dam/names ü/${name}`, bytes(1000 + i, i)))
  assert.deepEqual(result.files.map((f) => f.targetPath), names.map((name) => `/content/dam/names ü/${name}`))
})

test('a directory tree: its folders are created parents first, and every file lands in its folder', async () => {
  const tree = path.join(local, 'tree')
  const layout = { 'top.txt': 10, 'a/one.bin': MIN_PART + 1, 'a/b/two.bin': 2000, 'a/b/c/three.bin': 0, 'd e/four.bin': 5 }
  Object.entries(layout).forEach(([name, size], i) => writeFile(`tree/${name}`, size, i + 10))
  const events = []
  const result = await client().upload('/content/dam/trees/new', [tree], { onProgress: (event) => events.push(event) })
  assert.equal(result.totals.uploaded, 5)
  Object.entries(layout).forEach(([name, size], i) => assertAsset(`/content/dam/trees/new/tree/${name}`, bytes(size, i + 10)))
  const created = events.filter((e) => e.type === 'foldercreated').map((e) => e.targetFolder)
  assert.deepEqual(created, ['/content/dam/trees', '/content/dam/trees/new', '/content/dam/trees/new/tree', '/content/dam/trees/new/tree/a', '/content/dam/trees/new/tree/d e', '/content/dam/trees/new/tree/a/b', '/content/dam/trees/new/tree/a/b/c'])
  // Again: the folders exist (409), nothing fails, the assets are replaced.
  const again = await client().upload('/content/dam/trees/new', [tree], { replace: true })
  assert.equal(again.totals.uploaded, 5)
  assert.ok(again.folders.every((folder) => folder.created === false))
})

test('a part answered 503 is sent again, and the file completes', async () => {
  const file = writeFile('faults/busy.bin', 3 * MIN_PART, 3)
  env.emu.uploads.failNextParts(2, { status: 503 })
  const result = await client().upload('/content/dam/faults', [file])
  assert.equal(result.totals.uploaded, 1, JSON.stringify(result.files[0].errors.map(String)))
  assertAsset('/content/dam/faults/busy.bin', bytes(3 * MIN_PART, 3))
})

test('expired upload URIs (403 from the blob store) initiate the file again', async () => {
  const file = writeFile('faults/expired.bin', 2 * MIN_PART, 4)
  env.emu.uploads.expireNextParts(1)
  const result = await client().upload('/content/dam/faults', [file])
  assert.equal(result.totals.uploaded, 1, JSON.stringify(result.files[0].errors.map(String)))
  assertAsset('/content/dam/faults/expired.bin', bytes(2 * MIN_PART, 4))
  const initiates = env.emu.requests.filter((r) => r.url.includes('.initiateUpload.json'))
  assert.equal(initiates.length, 2)
})

test('a folder just created answers 404 to initiateUpload for a while: the upload waits for it', async () => {
  env.emu.uploads.lagFolderCreation(2)
  const file = writeFile('lag/file.bin', 100, 5)
  const result = await client().upload('/content/dam/lagging', [file])
  assert.equal(result.totals.uploaded, 1, JSON.stringify(result.files[0].errors.map(String)))
  assertAsset('/content/dam/lagging/file.bin', bytes(100, 5))
})

test('an existing asset is EALREADYEXISTS without replace, the other files go on, and replace or createVersion write it', async () => {
  env.emu.uploads.rejectExistingAssets(true)
  const first = writeFile('exists/first.bin', 50, 6)
  const other = writeFile('exists/other.bin', 60, 7)
  assert.equal((await client().upload('/content/dam/exists', [first])).totals.uploaded, 1)
  fs.writeFileSync(first, bytes(70, 8))
  const result = await client().upload('/content/dam/exists', [first, other])
  assert.equal(result.totals.failed, 1)
  assert.equal(result.totals.uploaded, 1)
  const failed = result.files.find((f) => f.fileName === 'first.bin')
  assert.equal(failed.status, 'failed')
  assert.equal(failed.errors[0].code, 'EALREADYEXISTS')
  assert.equal(failed.errors[0].getHttpStatusCode(), 409)
  assert.deepEqual(JSON.parse(JSON.stringify(failed.errors[0])), { message: failed.errors[0].message, code: 'EALREADYEXISTS' })
  assertAsset('/content/dam/exists/first.bin', bytes(50, 6))
  assertAsset('/content/dam/exists/other.bin', bytes(60, 7))

  assert.equal((await client().upload('/content/dam/exists', [first], { replace: true })).totals.uploaded, 1)
  assertAsset('/content/dam/exists/first.bin', bytes(70, 8))
  const versioned = await client().upload('/content/dam/exists', [{ filePath: first, createVersion: true, versionLabel: 'v2', versionComment: 'again' }])
  assert.equal(versioned.totals.uploaded, 1)
  assert.ok(env.emu.assets.get('/content/dam/exists/first.bin').versions.length >= 1)
})

test('stopOnError: the first failed file cancels the rest', async () => {
  env.emu.uploads.rejectExistingAssets(true)
  const files = [0, 1, 2, 3].map((i) => writeFile(`stop/f${i}.bin`, 10, i))
  await client().upload('/content/dam/stop', [files[0]])
  const result = await client().upload('/content/dam/stop', files, { stopOnError: true, concurrency: 1 })
  assert.equal(result.files[0].status, 'failed')
  assert.ok(result.totals.cancelled >= 1)
})

test('streams, Buffers and Blobs upload as files do', async () => {
  const big = bytes(2 * MIN_PART + 7, 9)
  const result = await client().upload('/content/dam/sources', [
    { fileName: 'from-stream.bin', stream: Readable.from([big.subarray(0, 1000), big.subarray(1000)]), fileSize: big.length },
    { fileName: 'from-web-stream.bin', stream: Readable.toWeb(Readable.from([big])), fileSize: big.length },
    { fileName: 'from-buffer.bin', buffer: big },
    { fileName: 'from-blob.bin', blob: new Blob([big]) }
  ])
  assert.equal(result.totals.uploaded, 4, JSON.stringify(result.files.map((f) => f.errors.map(String))))
  for (const name of ['from-stream.bin', 'from-web-stream.bin', 'from-buffer.bin', 'from-blob.bin']) assertAsset(`/content/dam/sources/${name}`, big)
  const short = await client().upload('/content/dam/sources', [{ fileName: 'short.bin', stream: Readable.from([Buffer.alloc(10)]), fileSize: 20 }])
  assert.equal(short.files[0].status, 'failed')
  assert.match(short.files[0].errors[0].message, /stream ended after 10 of 20 bytes/)
  assert.equal(env.emu.assets.get('/content/dam/sources/short.bin'), undefined)
})

test('parts by Jackrabbit\'s rules: at least minPartSize but the last, no more than the URIs, fewer URIs for a small file', () => {
  const { planParts } = require('../lib/upload/parts')
  const uris = ['u0', 'u1', 'u2', 'u3']
  const plan = (size, min, max, count = uris.length) => planParts(size, { uploadURIs: uris.slice(0, count), minPartSize: min, maxPartSize: max }, 'f.bin').map((p) => [p.url, p.start, p.end])
  assert.deepEqual(plan(0, 10, 100), [['u0', 0, 0]])
  assert.deepEqual(plan(10, 10, 100), [['u0', 0, 10]])
  assert.deepEqual(plan(11, 10, 100), [['u0', 0, 10], ['u1', 10, 11]])
  assert.deepEqual(plan(2500, 1000, 5000, 3), [['u0', 0, 1000], ['u1', 1000, 2000], ['u2', 2000, 2500]])
  assert.deepEqual(plan(400, 10, 100), [['u0', 0, 100], ['u1', 100, 200], ['u2', 200, 300], ['u3', 300, 400]])
  assert.deepEqual(plan(50, 10, 100, 1), [['u0', 0, 50]])
  assert.deepEqual(plan(1000, 10, -1, 2), [['u0', 0, 500], ['u1', 500, 1000]])
  assert.throws(() => plan(401, 10, 100), { message: /f\.bin \(401 bytes\) does not fit in 4 part\(s\) of at most 100 bytes/ })
  assert.throws(() => plan(101, 10, 100, 1), { message: /does not fit in 1 part/ })
  assert.throws(() => planParts(5, { uploadURIs: [], minPartSize: 1, maxPartSize: 9 }, 'f.bin'), { message: /no upload URIs/ })
})

test('a file AEM cannot take in its URIs fails without a byte sent, and the others go on', async () => {
  env.emu.uploads.configure({ maxUriCount: 2 })
  const file = writeFile('large/too-large.bin', 9 * MIN_PART, 1)
  const fine = writeFile('large/fine.bin', 10, 2)
  const result = await client().upload('/content/dam/large', [file, fine])
  assert.equal(result.files[0].status, 'failed')
  assert.equal(result.files[1].status, 'uploaded')
  assert.equal(env.emu.blobStore.requests.filter((r) => r.method === 'PUT').length, 1)
})

test('cancelling leaves no asset: parts in flight are dropped and complete is never sent', async () => {
  const file = writeFile('cancel/big.bin', 4 * MIN_PART, 2)
  const small = writeFile('cancel/small.bin', 10, 3)
  const controller = new AbortController()
  const result = await client().upload('/content/dam/cancel', [file, small], {
    concurrency: 1,
    signal: controller.signal,
    onProgress: (event) => { if (event.type === 'fileprogress') controller.abort() }
  })
  assert.equal(result.totals.uploaded, 0)
  assert.equal(result.totals.cancelled, 2)
  assert.ok(result.files.every((f) => f.errors[0].code === 'EUSERCANCELLED'))
  assert.deepEqual(env.emu.assets.list().filter((a) => a.path.startsWith('/content/dam/cancel/')), [])
  assert.equal(env.emu.requests.filter((r) => r.url.includes('.completeUpload.json')).length, 0)
})

test('without direct binary upload (the local SDK), files go to the create-asset servlet', async () => {
  env.emu.uploads.configure({ directBinaryUpload: false })
  const files = [writeFile('sdk/a.bin', 3 * MIN_PART, 1), writeFile('sdk/b c.txt', 12, 2)]
  const result = await client().upload('/content/dam/sdk', files)
  assert.equal(result.totals.uploaded, 2, JSON.stringify(result.files.map((f) => f.errors.map(String))))
  assertAsset('/content/dam/sdk/a.bin', bytes(3 * MIN_PART, 1))
  assertAsset('/content/dam/sdk/b c.txt', bytes(12, 2))
})

test('AEM\'s affinity cookie goes back to AEM, never to the blob store', async () => {
  const file = writeFile('cookie/a.bin', MIN_PART + 5, 1)
  await client().upload('/content/dam/cookie', [file])
  const completes = env.emu.requests.filter((r) => r.url.includes('.completeUpload.json'))
  assert.equal(completes.length, 1)
  assert.match(completes[0].headers.cookie ?? '', /=/)
  assertNoCredentialAtBlobStore()
})

test('bad arguments are clear errors', async () => {
  await assert.rejects(client().upload('/content/other', []), { code: 'EINVALIDOPTIONS', message: /under \/content\/dam/ })
  await assert.rejects(client().upload('/content/dam/x', [], { concurrency: 0 }), { code: 'EINVALIDOPTIONS' })
  await assert.rejects(client().upload('/content/dam/x', [path.join(local, 'missing.bin')]), { code: 'ENOTFOUND', message: /ENOENT/ })
  const empty = await client().upload('/content/dam/x', [])
  assert.equal(empty.totals.files, 0)
})

test('the CLI uploads paths to a DAM folder: JSON lines off a terminal, the result, exit 1 when a file failed', async () => {
  const { execFile } = require('node:child_process')
  const run = (args) => new Promise((resolve) => {
    execFile(process.execPath, [path.join(__dirname, '..', 'bin', 'aem-headless-rs.js'), 'upload', ...args, '--host', env.emu.url, '--credentials', env.files.credentialsFile, '--ca', env.files.caFile], (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }))
  })
  const dir = path.join(local, 'cli')
  writeFile('cli/a.bin', MIN_PART + 3, 1)
  writeFile('cli/sub/b.txt', 7, 2)
  const done = await run([dir, '/content/dam/cli'])
  assert.equal(done.code, 0, done.stderr)
  const result = JSON.parse(done.stdout)
  assert.equal(result.totals.uploaded, 2)
  const events = done.stderr.trim().split('\n').map((line) => JSON.parse(line))
  assert.deepEqual([...new Set(events.map((e) => e.type))].sort(), ['fileend', 'fileprogress', 'filestart', 'foldercreated', 'progress'])
  const last = events.filter((e) => e.type === 'progress').at(-1)
  assert.equal(last.transferred, MIN_PART + 3 + 7)
  assert.equal(last.total, MIN_PART + 3 + 7)
  assert.ok(last.bytesPerSecond > 0)
  assertAsset('/content/dam/cli/cli/sub/b.txt', bytes(7, 2))

  env.emu.uploads.rejectExistingAssets(true)
  const failed = await run([dir, '/content/dam/cli'])
  assert.equal(failed.code, 1)
  assert.equal(JSON.parse(failed.stdout).totals.failed, 2)
  assert.match(failed.stderr, /EALREADYEXISTS/)
  const replaced = await run([dir, '/content/dam/cli', '--replace'])
  assert.equal(replaced.code, 0, replaced.stderr)

  const usage = await run([dir])
  assert.equal(usage.code, 2)
  assert.match(usage.stderr, /upload takes one or more local paths and a DAM folder/)
})

test('on a terminal, progress is one line redrawn: files, bytes, rate and ETA', () => {
  const { progressReporter } = require('../bin/upload-progress')
  const written = []
  const reporter = progressReporter({ isTTY: true, write: (text) => written.push(text) })
  const file = { fileName: 'a.bin', fileSize: 2 * 1024 * 1024, targetFolder: '/content/dam', targetFile: '/content/dam/a.bin' }
  reporter.onProgress({ type: 'filestart', ...file })
  reporter.onProgress({ type: 'fileprogress', ...file, transferred: 1024 * 1024 })
  reporter.onProgress({ type: 'fileend', ...file })
  reporter.onProgress({ type: 'fileerror', ...file, targetFile: '/content/dam/b.bin', errors: [{ message: 'no' }] })
  reporter.done()
  const text = written.join('')
  assert.match(text, /\r\x1b\[2K0\/1 files, 0 B of 2\.0 MiB, /)
  assert.match(text, /1\/1 files, 1\.0 MiB of 2\.0 MiB, [\d.]+ (B|KiB|MiB|GiB)\/s(, ETA \d+s)?/)
  assert.match(text, /\/content\/dam\/b\.bin: no\n/)
  assert.match(text, /1 failed/)
  assert.ok(text.endsWith('\n'))
})

test('memory is bounded by the parts in flight, not by the file: 256 MiB through a process that stays far below it', async () => {
  const { execFile } = require('node:child_process')
  env.emu.uploads.configure({ minPartSize: 8 * 1024 * KIB, maxPartSize: 64 * 1024 * KIB })
  const big = path.join(local, 'big.bin')
  const size = 256 * 1024 * KIB
  const handle = fs.openSync(big, 'w')
  const chunk = bytes(1024 * KIB, 5)
  for (let at = 0; at < size; at += chunk.length) fs.writeSync(handle, chunk, 0, chunk.length, at)
  fs.closeSync(handle)
  const script = `
    const { AEMHeadless } = require(${JSON.stringify(path.join(__dirname, '..'))})
    const aem = new AEMHeadless({ serviceURL: process.argv[1], credentials: process.argv[2], ca: require('fs').readFileSync(process.argv[3], 'utf8') })
    aem.upload('/content/dam/memory', [process.argv[4]], { concurrency: 4 }).then((result) => {
      process.stdout.write(JSON.stringify({ uploaded: result.totals.uploaded, maxRssKiB: process.resourceUsage().maxRSS }))
    })`
  const out = await new Promise((resolve, reject) => execFile(process.execPath, ['-e', script, env.emu.url, env.files.credentialsFile, env.files.caFile, big], { maxBuffer: 1 << 20 }, (error, stdout, stderr) => error ? reject(new Error(stderr || error.message)) : resolve(stdout)))
  const { uploaded, maxRssKiB } = JSON.parse(out)
  assert.equal(uploaded, 1)
  const asset = env.emu.assets.get('/content/dam/memory/big.bin')
  assert.equal(asset.size, size)
  assert.equal(asset.sha256, createHash('sha256').update(fs.readFileSync(big)).digest('hex'))
  // 4 parts of 8 MiB in flight, and what Node itself holds: far below the file's 256 MiB.
  console.log(`peak RSS ${Math.round(maxRssKiB / 1024)} MiB`)
  assert.ok(maxRssKiB < 160 * 1024, `peak RSS ${Math.round(maxRssKiB / 1024)} MiB`)
  fs.rmSync(big)
})

test('initiateUpload and folder creation answered 503 are sent again (they carry an Idempotency-Key)', async () => {
  env.emu.fail(1, { status: 503, path: '/api/assets/retried', method: 'POST' })
  env.emu.fail(2, { status: 503, path: '/content/dam/retried.initiateUpload.json', method: 'POST' })
  const file = writeFile('retried/a.bin', MIN_PART + 1, 4)
  const result = await client().upload('/content/dam/retried', [file])
  assert.equal(result.totals.uploaded, 1, JSON.stringify(result.files[0].errors.map(String)))
  assertAsset('/content/dam/retried/a.bin', bytes(MIN_PART + 1, 4))
  const initiates = env.emu.requests.filter((r) => r.url.includes('retried.initiateUpload.json'))
  assert.equal(initiates.length, 3)
  assert.ok(initiates.every((r) => /^[0-9a-f-]{36}$/.test(r.headers['idempotency-key'])))
})

test('a complete whose answer was lost is sent again; a refusal after it says the state is unknown, never done', async () => {
  const file = writeFile('lost/a.bin', 100, 5)
  env.emu.fail(1, { status: 503, path: '/content/dam/lost.completeUpload.json', method: 'POST' })
  const retried = await client().upload('/content/dam/lost', [file])
  assert.equal(retried.totals.uploaded, 1, JSON.stringify(retried.files[0].errors.map(String)))
  assertAsset('/content/dam/lost/a.bin', bytes(100, 5))

  env.emu.fail(1, { status: 503, path: '/content/dam/lost.completeUpload.json', method: 'POST' })
  env.emu.fail(1, { status: 400, path: '/content/dam/lost.completeUpload.json', method: 'POST' })
  const unknown = await client().upload('/content/dam/lost', [{ filePath: file, fileName: 'b.bin' }])
  assert.equal(unknown.files[0].status, 'failed')
  assert.equal(unknown.files[0].errors[0].code, 'EUNEXPECTEDAPISTATE')
  assert.match(unknown.files[0].errors[0].message, /answer was lost/)
})

test('a part refused for good stops the file\'s other parts; two files to one asset: the second fails alone', async () => {
  env.emu.uploads.failNextParts(1, { status: 400 })
  const big = writeFile('stops/big.bin', 4 * MIN_PART, 6)
  const result = await client().upload('/content/dam/stops', [big], { concurrency: 1 })
  assert.equal(result.files[0].status, 'failed')
  assert.equal(result.files[0].errors[0].code, 'EINVALIDOPTIONS')
  assert.equal(env.emu.blobStore.requests.filter((r) => r.method === 'PUT').length, 1)

  const a = writeFile('dup/one/same.bin', 10, 1)
  const b = writeFile('dup/two/same.bin', 20, 2)
  const dup = await client().upload('/content/dam/dup', [a, b])
  assert.deepEqual(dup.files.map((f) => f.status), ['uploaded', 'failed'])
  assert.match(dup.files[1].errors[0].message, /target of another file/)
  assertAsset('/content/dam/dup/same.bin', bytes(10, 1))
})

test('cancelling while a batch is initiated leaves nothing unhandled, however many files wait', async () => {
  const unhandled = []
  const onUnhandled = (reason) => unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  try {
    const controller = new AbortController()
    const files = Array.from({ length: 60 }, (_, i) => ({ fileName: `f${i}.bin`, buffer: bytes(100, i) }))
    const result = await client().upload('/content/dam/cancel-batch', files, {
      concurrency: 2,
      signal: controller.signal,
      onProgress: (event) => { if (event.type === 'filestart') controller.abort() }
    })
    assert.equal(result.totals.cancelled, 60)
    await new Promise((resolve) => setTimeout(resolve, 200))
    assert.deepEqual(unhandled, [])
  } finally {
    process.off('unhandledRejection', onUnhandled)
  }
})
