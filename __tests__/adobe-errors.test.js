'use strict'

// The golden table of error texts: for every failure Adobe's clients raise an error for, this
// package's error has Adobe's code, name and message byte for byte, and `sdkDetails` with Adobe's
// enumerable keys, through the native transport and through JavaScript (the path a test runner
// takes). Adobe's own package runs each failure beside ours: nothing here is a copied string.
// What this package adds (attempts, AEM's body, IMS's error, the cause) is checked to stay
// reachable, not enumerable.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const http = require('node:http')
const { execFile } = require('node:child_process')
const Adobe = require('@adobe/aem-headless-client-nodejs')
const AEMHeadless = require('..')
const { startEmulator } = require('../emulator')
const { createTlsCertificate } = require('../emulator/tls')
const { createCredentials } = require('../emulator/credentials')
const { startScenarioIms, scenarios } = require('./support/token-errors')

/** AEM's answers, by the persisted query's name. */
const ANSWERS = {
  'errors-500': [500, 'application/json', JSON.stringify({ errors: [{ message: 'boom', errorType: 'DataFetchingException' }] })],
  'not-found-html': [404, 'text/html', '<html><body><h1>Not Found</h1></body></html>'],
  'unauthorized-empty': [401, undefined, ''],
  'ok-html': [200, 'text/html', '<html>maintenance</html>'],
  'ok-truncated': [200, 'application/json', '{"data":{"items":[1,2'],
  'graphql-errors': [200, 'application/json', JSON.stringify({ data: null, errors: [{ message: 'Validation error of type FieldUndefined' }, { message: 'second' }] })],
  'graphql-errors-no-message': [200, 'application/json', JSON.stringify({ errors: [{ locations: [] }, { message: 'm' }] })],
  'array-400': [400, 'application/json', JSON.stringify([{ message: 'x' }, 2, 'three'])],
  'empty-array-400': [400, 'application/json', '[]'],
  'null-400': [400, 'application/json', 'null'],
  'zero-400': [400, 'application/json', '0'],
  'string-403': [403, 'application/json', '"forbidden"'],
  'nested-503': [503, 'application/json', JSON.stringify({ message: 'down', details: { deep: { deeper: { deepest: 1 } } }, list: [1, [2, [3]]] })],
  'hang-up': null
}

let server
let base
let emulators

before(async () => {
  server = http.createServer((request, response) => {
    const name = decodeURIComponent(request.url.split('/').pop().split(';')[0])
    const answer = ANSWERS[name]
    if (answer === null || answer === undefined) return response.socket.destroy()
    const [status, type, body] = answer
    response.writeHead(status, type === undefined ? {} : { 'content-type': type })
    response.end(body)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${server.address().port}`
  emulators = {}
  for (const certificate of ['ca-signed', 'self-signed', 'expired', 'wrong-host']) {
    emulators[certificate] = await startEmulator({ port: 0, certificate })
  }
})

after(async () => {
  server.close()
  for (const emu of Object.values(emulators)) await emu.close()
})

/** What an error shows an app: its class name, code, message, and sdkDetails as JSON and keys. */
function shown (error) {
  assert.ok(error instanceof Error, `expected an error, got ${String(error)}`)
  return { name: error.name, code: error.code, message: error.message, sdkDetails: JSON.stringify(error.sdkDetails), keys: Object.keys(error.sdkDetails) }
}

/** The error of `call(client)` for Adobe's client and for ours on each transport, compared. */
async function sameAsAdobe (config, call, what) {
  const adobe = shown(await call(new Adobe(config)).then(() => undefined, (error) => error))
  const ours = {}
  for (const transport of ['native', 'auto']) {
    const error = await call(new AEMHeadless({ ...config, transport })).then(() => undefined, (e) => e)
    ours[transport] = error
    assert.deepEqual(shown(error), adobe, `${what} through ${transport === 'auto' ? 'JavaScript (a test runner runs)' : 'the native client'}`)
  }
  return { adobe, ours }
}

const once = { maxRetries: 0 }

for (const name of Object.keys(ANSWERS)) {
  test(`AEM's answer "${name}": Adobe's code, message and sdkDetails on every transport`, async () => {
    const { ours } = await sameAsAdobe({ serviceURL: base, auth: 'dev-token' }, (client) => client.runPersistedQuery(`wknd/${name}`, { id: 7 }, {}, once), name)
    for (const error of Object.values(ours)) {
      if (error.code === 'API_ERROR') assert.notEqual(error.sdkDetails.body, undefined, 'AEM\'s body stays reachable')
      if (error.sdkDetails.status !== undefined) assert.equal(error.sdkDetails.attempts, 1, 'attempts stays reachable')
    }
  })
}

test('a refused connection, an unknown host: Node\'s words, as node-fetch gives them', async () => {
  await sameAsAdobe({ serviceURL: 'http://127.0.0.1:9', auth: 't' }, (client) => client.runPersistedQuery('a/b', {}, {}, once), 'refused')
  await sameAsAdobe({ serviceURL: 'https://aem-headless-rs.invalid', auth: 't' }, (client) => client.runQuery('{ a }', {}, once), 'unknown host')
})

for (const certificate of ['ca-signed', 'self-signed', 'expired', 'wrong-host']) {
  test(`a refused certificate (${certificate}): OpenSSL's words, and this package's advice under cause`, async () => {
    const { ours } = await sameAsAdobe({ serviceURL: emulators[certificate].url, auth: 't' }, (client) => client.runPersistedQuery('a/b', {}, {}, once), certificate)
    assert.match(ours.native.cause.message, /certificate/, 'what is wrong, in words, under cause')
  })
}

test('an aborted call, and service URLs Adobe\'s client cannot send to', async () => {
  const aborted = AbortSignal.abort()
  await sameAsAdobe({ serviceURL: base, auth: 't' }, (client) => client.runPersistedQuery('a/b', {}, { signal: aborted }, once), 'abort')
  for (const serviceURL of [undefined, '/', '/content/', 'not a url', 'ftp://aem.example.com']) {
    const config = serviceURL === undefined ? {} : { serviceURL }
    await sameAsAdobe(config, (client) => client.runPersistedQuery('a/b', {}, {}, once), `serviceURL ${serviceURL}`)
  }
})

test('runPaginatedQuery: a missing argument and an answer it cannot page, as Adobe words them', async () => {
  const first = (client, ...args) => client.runPaginatedQuery(...args).next()
  await sameAsAdobe({ serviceURL: base, auth: 't' }, (client) => first(client, 'adventure'), 'no fields')
  const paging = http.createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(JSON.stringify({ data: { somethingElse: {} } }))
  })
  await new Promise((resolve) => paging.listen(0, '127.0.0.1', resolve))
  try {
    const serviceURL = `http://127.0.0.1:${paging.address().port}`
    await sameAsAdobe({ serviceURL, auth: 't' }, (client) => first(client, 'adventure', '{ title }'), 'unpageable')
    await sameAsAdobe({ serviceURL, auth: 't' }, (client) => first(client, 'adventure', '{ title }', { useLimitOffset: true }), 'unpageable list')
  } finally {
    paging.close()
  }
})

test('getToken: Node\'s fs and JSON.parse messages, and IMS\'s answers as Adobe\'s getToken words them, native and through JavaScript', async () => {
  const tls = await createTlsCertificate('ca-signed')
  const ims = await startScenarioIms(tls)
  const port = ims.address().port
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aem-headless-rs-golden-'))
  try {
    fs.writeFileSync(path.join(dir, 'ca.pem'), tls.caPem)
    fs.writeFileSync(path.join(dir, 'template.json'), JSON.stringify((await createCredentials(`127.0.0.1:${port}`)).credentials))
    // Adobe's getToken always calls port 443: the child's loopback port 443 is the scenario IMS
    // (emulator/redirect-443.js). No test runner runs the child: this package goes native there.
    // Run asynchronously: the scenario IMS answers from this process.
    const stdout = await new Promise((resolve, reject) => execFile(process.execPath, ['--require', path.join(__dirname, '..', 'emulator', 'redirect-443.js'), path.join(__dirname, 'support', 'token-errors.js'), dir], {
      encoding: 'utf8',
      timeout: 120000,
      cwd: dir,
      env: { ...withoutRunner(process.env), AEM_EMULATOR_PORT: String(port), NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.pem') }
    }, (error, out, err) => error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)))
    const results = JSON.parse(stdout)
    assert.equal(results.length, scenarios.length, 'every scenario ran')
    for (const { scenario, adobe, ours } of results) {
      assert.equal(adobe.resolved, undefined, `${scenario}: Adobe's getToken fails`)
      assert.deepEqual(ours, adobe, `${scenario}: native`)
    }
    // The same inputs through JavaScript: this process is a test runner's.
    for (const { scenario, input, adobe, viaJavaScript } of results) {
      // A relative path is from the working directory, which is the child's: checked there.
      if (!viaJavaScript || !path.isAbsolute(input)) continue
      const error = await AEMHeadless.getToken(input, { ca: tls.caPem, transport: 'auto' }).then(() => undefined, (e) => e)
      assert.deepEqual(shown(error), adobe, `${scenario}: through JavaScript`)
    }
  } finally {
    ims.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

/** The environment without what says a test runner runs the process. */
function withoutRunner (env) {
  const { NODE_TEST_CONTEXT, JEST_WORKER_ID, ...rest } = env
  return rest
}

test('sdkDetails keep Adobe\'s keys enumerable and this package\'s readable: strict equality holds', async () => {
  const client = new AEMHeadless({ serviceURL: base, auth: 't' })
  const error = await client.runPersistedQuery('wknd/errors-500', {}, {}, once).catch((e) => e)
  assert.deepEqual(error.sdkDetails, { serviceURL: `${base}/`, endpoint: 'graphql/execute.json/wknd/errors-500', status: 500 })
  assert.deepEqual(error.sdkDetails.errors, [{ message: 'boom', errorType: 'DataFetchingException' }])
  assert.equal(error.sdkDetails.attempts, 1)
  assert.deepEqual(JSON.parse(JSON.stringify(error)).sdkDetails, { serviceURL: `${base}/`, endpoint: 'graphql/execute.json/wknd/errors-500', status: 500 })
  assert.match(error.cause.message, /HTTP 500: boom/, 'this package\'s own words under cause')
})
