'use strict'

// Every example in examples/, run as its own process against the emulator (trusted through
// NODE_EXTRA_CA_CERTS, as a user would trust a corporate CA).

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { spawn, execFile } = require('node:child_process')
const { promisify } = require('node:util')
const { setup, secretsOf } = require('./helpers')

const EXAMPLES = path.join(__dirname, '..', 'examples')
const run = promisify(execFile)

let env
let childEnv

before(async () => {
  env = await setup()
  childEnv = { ...process.env, NODE_EXTRA_CA_CERTS: env.files.caFile }
})
after(() => env.close())

test('the sync job pages through every adventure and writes them to a file', async () => {
  const out = path.join(env.dir, 'adventures.json')
  const { stdout } = await run(process.execPath, [path.join(EXAMPLES, 'sync-adventures.js'), env.emu.url, env.files.credentialsFile, out, '5'], { env: childEnv })
  assert.match(stdout, /^wrote 16 adventures in 4 pages to /)
  const written = JSON.parse(fs.readFileSync(out, 'utf8'))
  assert.equal(written.adventures.length, 16)
  assert.equal(new Set(written.adventures.map((a) => a.slug)).size, 16)
  assert.ok(!fs.existsSync(`${out}.partial`))

  await assert.rejects(run(process.execPath, [path.join(EXAMPLES, 'sync-adventures.js')], { env: childEnv }), (error) => error.code === 2)
})

test('the sync job fails with exit code 1 and the error, and keeps the old file', async () => {
  const out = path.join(env.dir, 'kept.json')
  fs.writeFileSync(out, '{"adventures":[]}')
  const error = await run(process.execPath, [path.join(EXAMPLES, 'sync-adventures.js'), env.emu.url, path.join(env.dir, 'missing.json'), out], { env: childEnv }).then(() => null, (e) => e)
  assert.equal(error.code, 1)
  assert.match(error.stderr, /AUTH_FILE_READ_ERROR/)
  assert.equal(fs.readFileSync(out, 'utf8'), '{"adventures":[]}')
})

/** Starts the node:http example against `serviceURL`; resolves with its base URL. */
async function startRoute (t, serviceURL) {
  const child = spawn(process.execPath, [path.join(EXAMPLES, 'http-route.js'), serviceURL, env.files.credentialsFile, '0'], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => child.kill())
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr += chunk })
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      const match = /listening on (http:\/\/\S+)/.exec(String(chunk))
      if (match) resolve(match[1])
    })
    child.on('exit', (code) => reject(new Error(`the example exited with ${code}: ${stderr}`)))
  })
}

test('the node:http route serves AEM content through one shared TokenProvider', async (t) => {
  const base = await startRoute(t, env.emu.url)
  const exchangesBefore = env.emu.stats.exchanges
  const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(`${base}/adventures`)))
  for (const answer of answers) assert.equal(answer.status, 200)
  assert.equal((await answers[0].json()).length, 16)
  const one = await fetch(`${base}/adventures/bali-surf-camp`)
  assert.equal(one.status, 200)
  assert.equal((await one.json()).slug, 'bali-surf-camp')
  assert.equal((await fetch(`${base}/adventures/nowhere`)).status, 404)
  assert.equal((await fetch(`${base}/nope`)).status, 404)
  assert.equal((await fetch(`${base}/adventures`, { method: 'POST' })).status, 405)
  assert.equal(env.emu.stats.exchanges - exchangesBefore, 1, 'one token for every request')
})

test('the node:http route answers 502 with the error code when AEM cannot be reached', async (t) => {
  const base = await startRoute(t, 'https://127.0.0.1:1')
  const answer = await fetch(`${base}/adventures`)
  assert.equal(answer.status, 502)
  const body = await answer.text()
  assert.deepEqual(JSON.parse(body), { error: 'AEM request failed', code: 'REQUEST_ERROR' })
  for (const secret of secretsOf(env.emu)) assert.ok(!body.includes(secret))
})

test('the tracing example prints the IMS and AEM CLIENT spans under the app span, in one trace, with no secret', async () => {
  const { stdout } = await run(process.execPath, [path.join(EXAMPLES, 'tracing.js'), env.emu.url, env.files.credentialsFile], { env: childEnv })
  assert.match(stdout, /^16 adventures$/m)
  // ConsoleSpanExporter prints each span as an object: in the order they end.
  const spans = stdout.split(/\n(?=\{\n)/).filter((s) => s.includes('traceId')).map((text) => ({
    scope: /instrumentationScope: \{ name: '([^']+)'/.exec(text)[1],
    name: /\n {2}name: '([^']+)'/.exec(text)[1],
    kind: Number(/\n {2}kind: (\d)/.exec(text)[1]),
    traceId: /traceId: '([0-9a-f]+)'/.exec(text)[1],
    id: /\n {2}id: '([0-9a-f]+)'/.exec(text)[1],
    parentSpanId: (/parentSpanContext: \{[^}]*spanId: '([0-9a-f]+)'/.exec(text) || [])[1],
    text
  }))
  assert.deepEqual(spans.map((s) => [s.scope, s.name, s.kind]), [
    ['aem-headless-rs', 'POST', 2],
    ['aem-headless-rs', 'GET', 2],
    ['example-app', 'list adventures', 0]
  ])
  const app = spans[2]
  for (const span of spans.slice(0, 2)) {
    assert.equal(span.traceId, app.traceId)
    assert.equal(span.parentSpanId, app.id)
    assert.match(span.text, /'http.response.status_code': 200/)
  }
  assert.match(spans[0].text, /'url.full': 'https:\/\/127\.0\.0\.1:\d+\/ims\/exchange\/jwt'/)
  assert.match(spans[1].text, /'aem.graphql.persisted_query': 'wknd-shared\/adventures-all'/)
  for (const secret of secretsOf(env.emu)) assert.ok(!stdout.includes(secret))
})

// docs/TESTING.md ("Testing your app") shows these two files whole; each is an app's own test file.
for (const name of ['testing-with-nock.js', 'testing-with-msw.js']) {
  test(`examples/${name}: the app's tests pass, and docs/TESTING.md shows the file as it is`, async () => {
    const file = path.join(EXAMPLES, name)
    const guide = fs.readFileSync(path.join(__dirname, '..', 'docs', 'TESTING.md'), 'utf8')
    assert.ok(guide.includes(fs.readFileSync(file, 'utf8').trim()), `docs/TESTING.md must show examples/${name} as it is`)
    // A test runner of its own: without NODE_TEST_CONTEXT, which would make it report to this one.
    const { NODE_TEST_CONTEXT, ...own } = process.env
    const { stdout } = await run(process.execPath, ['--test', '--test-reporter=tap', file], { env: { ...own, AEM_HEADLESS_TRANSPORT: '' } })
    assert.match(stdout, /^# fail 0$/m, stdout)
    assert.match(stdout, /^# pass [1-9]/m, stdout)
  })
}

test('examples/sites-api.js lists every fragment by cursor and renames one with If-Match', async () => {
  const file = path.join(EXAMPLES, 'sites-api.js')
  const page = await listFragments()
  const { stdout } = await run(process.execPath, [file, env.emu.url, env.files.credentialsFile, page.items[0].id, 'Renamed by the example'], { env: childEnv })
  assert.match(stdout, /^27 fragments$/m)
  assert.equal(stdout.split('\n').filter((line) => /^[0-9a-f-]{36} {2}/.test(line)).length, 27)
  assert.match(stdout, new RegExp(`^renamed ${page.items[0].id} from ".+" to "Renamed by the example" \\(attempt 1\\)$`, 'm'))
  for (const secret of secretsOf(env.emu)) assert.ok(!stdout.includes(secret))
  const missing = await run(process.execPath, [file, env.emu.url, env.files.credentialsFile, 'no-such-fragment', 'x'], { env: childEnv }).then(() => null, (e) => e)
  assert.equal(missing.code, 1)
  assert.match(missing.stderr, /API_ERROR/)
  assert.match(missing.stderr, /Not Found/)
})

test('examples/sites-api-typed.mts: its types are what openapi-typescript makes of the spec, and docs/OTHER-APIS.md shows it', async () => {
  const bin = path.join(__dirname, '..', 'node_modules', 'openapi-typescript', 'bin', 'cli.js')
  const { stdout } = await run(process.execPath, [bin, path.join(__dirname, '..', 'emulator', 'sites-openapi.yaml')], { maxBuffer: 1 << 24 })
  assert.equal(stdout.trim(), fs.readFileSync(path.join(EXAMPLES, 'sites-api-types.d.ts'), 'utf8').trim())
  const guide = fs.readFileSync(path.join(__dirname, '..', 'docs', 'OTHER-APIS.md'), 'utf8')
  assert.ok(guide.includes(fs.readFileSync(path.join(EXAMPLES, 'sites-api-typed.mts'), 'utf8').trim()), 'docs/OTHER-APIS.md must show examples/sites-api-typed.mts as it is')
})

/** The first page of fragments, straight from the emulator. */
async function listFragments () {
  const { AEMHeadless } = require('..')
  return new AEMHeadless({ serviceURL: env.emu.url, credentials: env.files.credentialsFile, ca: env.emu.caPem }).request('/adobe/sites/cf/fragments', { query: { limit: 1 } })
}

test('the upload job sends a folder tree to the DAM and prints every file and the totals', async () => {
  const tree = path.join(env.dir, 'to-upload')
  fs.mkdirSync(path.join(tree, 'nested', 'deeper'), { recursive: true })
  fs.writeFileSync(path.join(tree, 'a.txt'), 'alpha')
  fs.writeFileSync(path.join(tree, 'nested', 'b.bin'), Buffer.alloc(70000, 3))
  fs.writeFileSync(path.join(tree, 'nested', 'deeper', 'c d.txt'), 'gamma')
  const { stdout } = await run(process.execPath, [path.join(EXAMPLES, 'upload-folder.js'), env.emu.url, env.files.credentialsFile, tree, '/content/dam/example-upload'], { env: childEnv })
  assert.match(stdout, /uploaded \/content\/dam\/example-upload\/to-upload\/nested\/deeper\/c d\.txt \(5 bytes\)/)
  assert.match(stdout, /^3 uploaded, 0 failed, 0 cancelled: 70010 bytes in \d+ ms$/m)
  assert.equal(env.emu.assets.get('/content/dam/example-upload/to-upload/nested/b.bin').size, 70000)
  await assert.rejects(run(process.execPath, [path.join(EXAMPLES, 'upload-folder.js')], { env: childEnv }), (error) => error.code === 2)
})
