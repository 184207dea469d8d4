'use strict'

// How AEM's answers and transport failures become errors: Adobe's codes, with everything kept.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const net = require('node:net')
const AEMHeadless = require('..')
const { setup, rejectsWith, secretsOf, assertNoSecret } = require('./helpers')

let env
let aem
before(async () => {
  env = await setup()
  aem = new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.devToken.accessToken, ca: env.emu.caPem })
})
after(() => env.close())

test('non-2xx with a JSON errors body → API_ERROR with the whole body and request id', async () => {
  const error = await rejectsWith(aem.runPersistedQuery('test/error-500'), 'API_ERROR')
  assert.equal(error.sdkDetails.status, 500)
  assert.deepEqual(error.sdkDetails.body, {
    errors: [{ errorType: 'ServletError', message: 'Internal error while running the query', details: 'java.lang.NullPointerException' }]
  })
  assert.deepEqual(error.sdkDetails.errors, error.sdkDetails.body.errors)
  assert.match(error.sdkDetails.requestId, /\S/)
  // Adobe's words (util.format of the body); this package's under cause.
  assert.equal(error.message, '[AEMHeadless:API_ERROR] There was a problem with your API call: { errors: [Array] }.')
  assert.equal(error.cause.message, 'HTTP 500: Internal error while running the query')
  assert.equal(error.sdkDetails.attempts, 4, 'a 5xx is retried 3 times')
  const json = error.toJSON()
  assert.deepEqual(Object.keys(json), ['sdk', 'sdkDetails', 'code', 'message', 'stacktrace'])
  assert.equal(json.sdkDetails.body.errors[0].details, 'java.lang.NullPointerException')
})

test('non-2xx with a plain {message} body → API_ERROR', async () => {
  const error = await rejectsWith(aem.runPersistedQuery('test/error-400'), 'API_ERROR')
  assert.equal(error.sdkDetails.status, 400)
  assert.deepEqual(error.sdkDetails.body, { message: 'Invalid variables' })
  assert.equal(error.message, "[AEMHeadless:API_ERROR] There was a problem with your API call: { message: 'Invalid variables' }.")
  assert.match(error.cause.message, /HTTP 400: Invalid variables/)
})

test('an unknown persisted query → API_ERROR 404 naming the path', async () => {
  const error = await rejectsWith(aem.runPersistedQuery('wknd-shared/nope'), 'API_ERROR')
  assert.equal(error.sdkDetails.status, 404)
  assert.match(error.sdkDetails.body.errors[0].message, /persistentQueries\/nope/)
})

test('a Dispatcher HTML page → RESPONSE_ERROR with the status and a short excerpt', async () => {
  const error = await rejectsWith(aem.runPersistedQuery('test/html-502'), 'RESPONSE_ERROR')
  assert.equal(error.sdkDetails.status, 502)
  assert.match(error.sdkDetails.excerpt, /^<!DOCTYPE HTML[^]*<title>502 Bad Gateway/i)
  assert.ok(error.sdkDetails.excerpt.length <= 201)
})

test('a 200 with GraphQL errors → RESPONSE_ERROR with the errors array and partial data', async () => {
  const error = await rejectsWith(aem.runPersistedQuery('test/query-error'), 'RESPONSE_ERROR')
  assert.equal(error.sdkDetails.status, 200)
  assert.equal(error.sdkDetails.errors.length, 1)
  assert.deepEqual(error.sdkDetails.errors[0].locations, [{ line: 1, column: 30 }])
  assert.deepEqual(error.sdkDetails.data, { adventureList: null })
  assert.match(error.message, /FieldUndefined/)
})

test('a 200 whose body is not JSON → RESPONSE_ERROR', async () => {
  const error = await rejectsWith(aem.runPersistedQuery('test/not-json'), 'RESPONSE_ERROR')
  assert.equal(error.sdkDetails.status, 200)
})

test('a 200 that is broken JSON inside its brackets → RESPONSE_ERROR, traced and logged as a failure', async () => {
  const error = await rejectsWith(aem.runPersistedQuery('test/broken-json'), 'RESPONSE_ERROR')
  assert.equal(error.sdkDetails.status, 200)
  assert.match(error.message, /not JSON|expected|trailing comma/i)
  const events = []
  const logged = new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.devToken.accessToken, ca: env.emu.caPem, logger: (event) => events.push(event) })
  const tracedError = await rejectsWith(logged.runPersistedQuery('test/broken-json'), 'RESPONSE_ERROR')
  assert.equal(tracedError.message, error.message)
  const request = events.find((event) => event.event === 'request')
  assert.equal(request.level, 'warn')
  assert.equal(request.code, 'RESPONSE_ERROR')
  assert.equal(request.status, 200)
})

test('GraphQL errors whose name is spelled with a \\u escape are still errors', async () => {
  const error = await rejectsWith(aem.runPersistedQuery('test/escaped-errors'), 'RESPONSE_ERROR')
  assert.equal(error.sdkDetails.status, 200)
  assert.equal(error.sdkDetails.errors[0].message, 'spelled with an escape')
})

test('ad-hoc query errors come back as RESPONSE_ERROR with graphql-js errors', async () => {
  const error = await rejectsWith(aem.runQuery('{ adventureList { items { nope } } }'), 'RESPONSE_ERROR')
  assert.match(error.sdkDetails.errors[0].message, /nope/)
})

test('a connection failure → REQUEST_ERROR with the cause kept', async () => {
  const port = await new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
  const dead = new AEMHeadless({ serviceURL: `https://127.0.0.1:${port}`, auth: 't' })
  const error = await rejectsWith(dead.runPersistedQuery('wknd-shared/adventures-all'), 'REQUEST_ERROR')
  assert.ok(error.cause instanceof Error)
  assert.match(error.cause.message, /refused|connect/i)
  assert.equal(error.sdkDetails.status, undefined)
  assert.equal(error.sdkDetails.endpoint, 'graphql/execute.json/wknd-shared/adventures-all')
})

test('an untrusted certificate → REQUEST_ERROR naming the TLS problem', async () => {
  const untrusting = new AEMHeadless({ serviceURL: env.emu.url, auth: 't' })
  const error = await rejectsWith(untrusting.runPersistedQuery('wknd-shared/adventures-all'), 'REQUEST_ERROR')
  assert.match(`${error.message} ${error.cause && error.cause.message}`, /certificate|UnknownIssuer|invalid peer/i)
})

test('bad configuration → INVALID_PARAM', async () => {
  const cases = [
    () => new AEMHeadless(null),
    () => new AEMHeadless({ serviceURL: env.emu.url, headers: { 'X-Bad': 'a\r\nb: c' } }),
    () => new AEMHeadless({ serviceURL: env.emu.url, headers: { 'bad header': 'x' } }),
    () => new AEMHeadless({ serviceURL: env.emu.url, ca: 'not a pem' }),
    () => new AEMHeadless({ serviceURL: env.emu.url, auth: 'tok\nen' })
  ]
  for (const make of cases) {
    await rejectsWith((async () => make())(), 'INVALID_PARAM')
  }
  const relative = new AEMHeadless({ auth: 't' })
  // As Adobe's client: a path from the root is what node-fetch refuses to send.
  const error = await rejectsWith(relative.runPersistedQuery('wknd-shared/adventures-all'), 'REQUEST_ERROR')
  assert.equal(error.message, '[AEMHeadless:REQUEST_ERROR] General Request error: Only absolute URLs are supported.')
  const cyclic = {}
  cyclic.self = cyclic
  await rejectsWith(aem.runPersistedQuery('test/echo', { cyclic }), 'INVALID_PARAM')
  await rejectsWith(aem.runPersistedQuery('test/echo', { big: 10n }), 'INVALID_PARAM')
})

test('no error carries a secret', async () => {
  const secrets = secretsOf(env.emu)
  const token = env.emu.devToken.accessToken
  const errors = []
  const collect = (p) => p.then(() => assert.fail('expected a rejection'), (e) => errors.push(e))
  await collect(aem.runPersistedQuery('test/error-500'))
  await collect(aem.runPersistedQuery('test/html-502'))
  await collect(new AEMHeadless({ serviceURL: env.emu.url, auth: `${token}x`, ca: env.emu.caPem }).runPersistedQuery('wknd-shared/adventures-all'))
  await collect((async () => new AEMHeadless({ serviceURL: env.emu.url, auth: `${token}\n` }))())
  await collect((async () => new AEMHeadless({ serviceURL: env.emu.url, headers: { Authorization: `Bearer ${token}\r\n` } }))())
  assert.equal(errors.length, 5)
  for (const error of errors) assertNoSecret(error, secrets)
})

test('a serviceURL with a user name or password is refused: use auth: [user, password]', () => {
  assert.throws(() => new AEMHeadless({ serviceURL: 'https://admin:s3cret@author.example' }), (error) => {
    assert.equal(error.code, 'INVALID_PARAM')
    assert.ok(!JSON.stringify(error.toJSON()).includes('s3cret'))
    assert.ok(!require('node:util').inspect(error).includes('s3cret'))
    return true
  })
})

test('AEM in application/graphql-response+json mode: 400 and 500 answers are API_ERROR with the GraphQL errors', async () => {
  const strict = await setup({ graphqlResponseJson: true })
  try {
    const aem = new AEMHeadless({ serviceURL: strict.emu.url, auth: strict.emu.issueToken(), ca: strict.emu.caPem })
    const invalid = await aem.runPersistedQuery('wknd-shared/adventure-by-slug').catch((e) => e)
    assert.equal(invalid.code, 'API_ERROR')
    assert.equal(invalid.sdkDetails.status, 400)
    assert.equal(invalid.sdkDetails.errors[0].extensions.classification, 'ValidationError')
    const failed = await aem.runPersistedQuery('test/cache-control', { errors: 'boom' }).catch((e) => e)
    assert.equal(failed.code, 'API_ERROR')
    assert.equal(failed.sdkDetails.status, 500)
    assert.ok(failed.sdkDetails.errors.length > 0)
    const answered = await aem.runPersistedQuery('wknd-shared/adventures-all')
    assert.equal(answered.data.adventureList.items.length, 16)
  } finally {
    await strict.close()
  }
})
