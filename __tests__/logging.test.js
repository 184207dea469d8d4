'use strict'

// Logging: off by default; a `logger` option or AEM_HEADLESS_LOG / LOG_LEVEL turn it on; events
// carry method, URL, status, duration, attempts and token refreshes, and never a secret.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { execFile } = require('node:child_process')
const { promisify } = require('node:util')
const AEMHeadless = require('..')
const { TokenProvider } = AEMHeadless
const { setup, rejectsWith, secretsOf } = require('./helpers')

const run = promisify(execFile)

let env
before(async () => { env = await setup() })
after(() => env.close())

/** A logger function that keeps its events. */
function recorder () {
  const events = []
  const logger = (event) => events.push(event)
  return { events, logger }
}

function assertNoSecretIn (events, extra = []) {
  const text = JSON.stringify(events)
  for (const secret of [...secretsOf(env.emu), ...extra]) assert.ok(!text.includes(secret), `a secret was logged: ${text.slice(0, 300)}`)
}

test('requests: method, URL, status, duration, attempts and cache, at debug', async () => {
  const { events, logger } = recorder()
  const aem = new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.devToken.accessToken, ca: env.emu.caPem, logger, cache: true })
  await aem.runPersistedQuery('wknd-shared/adventures-all')
  await aem.runPersistedQuery('wknd-shared/adventures-all')
  await aem.runPersistedQuery('fault/flaky', { key: `log-${Date.now()}`, failures: 2 }, {}, { initialDelayInMillis: 1 })
  assert.equal(events.length, 3)
  const [first, hit, retried] = events
  assert.equal(first.level, 'debug')
  assert.equal(first.event, 'request')
  assert.equal(first.method, 'GET')
  assert.equal(first.url, `${env.emu.url}/graphql/execute.json/wknd-shared/adventures-all`)
  assert.equal(first.status, 200)
  assert.equal(first.attempts, 1)
  assert.equal(first.cached, false)
  assert.ok(typeof first.durationMs === 'number' && first.durationMs >= 0)
  assert.equal(hit.cached, true)
  assert.equal(hit.attempts, 0)
  assert.equal(retried.attempts, 3, 'two 503s, then 200')
  assertNoSecretIn(events)
})

test('failures: warn, with the code, status and attempts, and no secret', async () => {
  const { events, logger } = recorder()
  const token = env.emu.issueToken()
  const aem = new AEMHeadless({ serviceURL: env.emu.url, auth: token, ca: env.emu.caPem, logger })
  await rejectsWith(aem.runPersistedQuery('test/error-500', {}, {}, { maxRetries: 1, initialDelayInMillis: 1 }), 'API_ERROR')
  const [failure] = events
  assert.equal(failure.level, 'warn')
  assert.equal(failure.code, 'API_ERROR')
  assert.equal(failure.status, 500)
  assert.equal(failure.attempts, 2)
  assert.match(failure.message, /^\[AEMHeadless:API_ERROR\]/)
  assertNoSecretIn(events, [token])
})

test('tokens: refreshes at info, a 401 and its new token, through credentials', async () => {
  const { events, logger } = recorder()
  const aem = new AEMHeadless({ serviceURL: env.emu.url, credentials: env.files.credentialsFile, ca: env.emu.caPem, logger })
  await aem.runPersistedQuery('wknd-shared/adventures-all')
  const refresh = events.find((e) => e.event === 'token')
  assert.equal(refresh.level, 'info')
  assert.equal(refresh.source, 'refresh')
  assert.equal(refresh.tokenType, 'bearer')
  assert.ok(refresh.expiresAt > Date.now())
  assert.deepEqual(events.map((e) => e.event), ['token', 'request'])

  const provider = new TokenProvider(env.files.credentialsFile, { ca: env.emu.caPem, logger })
  const { accessToken } = await provider.getAccessToken()
  env.emu.revokeToken(accessToken)
  events.length = 0
  await new AEMHeadless({ serviceURL: env.emu.url, tokenProvider: provider, ca: env.emu.caPem, logger }).runPersistedQuery('wknd-shared/adventures-all')
  assert.deepEqual(events.map((e) => e.event), ['request', 'token-rejected', 'token', 'request'])
  assert.equal(events[0].status, 401)
  assertNoSecretIn(events, [accessToken])

  env.emu.failNextTokenRequests(5)
  const cold = new TokenProvider(env.files.credentialsFile, { ca: env.emu.caPem, logger })
  events.length = 0
  await assert.rejects(cold.getAccessToken())
  assert.equal(events[0].level, 'warn')
  assert.equal(events[0].code, 'EXCHANGE_TOKEN_ERROR')
  assert.equal(events[0].keepsValidToken, false)
})

test('an object logger gets the method of each level; a throwing logger breaks nothing', async () => {
  const calls = []
  const logger = { debug: (e) => calls.push(['debug', e.event]), warn: (e) => calls.push(['warn', e.event]) }
  const aem = new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.devToken.accessToken, ca: env.emu.caPem, logger })
  await aem.runPersistedQuery('wknd-shared/adventures-all')
  await rejectsWith(aem.runPersistedQuery('wknd-shared/nope'), 'API_ERROR')
  assert.deepEqual(calls, [['debug', 'request'], ['warn', 'request']])

  const throwing = new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.devToken.accessToken, ca: env.emu.caPem, logger: () => { throw new Error('logger down') } })
  assert.equal((await throwing.runPersistedQuery('wknd-shared/adventures-all')).data.adventureList.items.length, 16)

  for (const logger of ['debug', 1, {}]) {
    assert.throws(() => new AEMHeadless({ serviceURL: env.emu.url, logger }), (e) => e.code === 'INVALID_PARAM' && /logger/.test(e.message))
  }
})

/** Runs one request in a child process with `variables` set; returns its stderr. */
async function stderrWith (variables) {
  const script = `
    const AEMHeadless = require(${JSON.stringify(require.resolve('..'))})
    new AEMHeadless({ serviceURL: ${JSON.stringify(env.emu.url)}, credentials: ${JSON.stringify(env.files.credentialsFile)} })
      .runPersistedQuery('wknd-shared/adventures-all').then(() => {}, () => { process.exitCode = 1 })`
  const clean = { ...process.env }
  delete clean.AEM_HEADLESS_LOG
  delete clean.LOG_LEVEL
  const { stderr } = await run(process.execPath, ['-e', script], { env: { ...clean, NODE_EXTRA_CA_CERTS: env.files.caFile, ...variables } })
  return stderr
}

test('off by default; AEM_HEADLESS_LOG or LOG_LEVEL write JSON lines to stderr, by level', async () => {
  assert.equal(await stderrWith({}), '')
  assert.equal(await stderrWith({ AEM_HEADLESS_LOG: 'nonsense' }), '')
  const debug = (await stderrWith({ AEM_HEADLESS_LOG: 'debug' })).trim().split('\n').map((line) => JSON.parse(line))
  assert.deepEqual(debug.map((e) => [e.level, e.event]), [['info', 'token'], ['debug', 'request']])
  for (const line of debug) {
    assert.equal(line.name, 'aem-headless-rs')
    assert.ok(!Number.isNaN(Date.parse(line.time)))
  }
  assertNoSecretIn(debug)
  const info = (await stderrWith({ LOG_LEVEL: 'info' })).trim().split('\n').map((line) => JSON.parse(line))
  assert.deepEqual(info.map((e) => e.event), ['token'])
  assert.equal(await stderrWith({ AEM_HEADLESS_LOG: 'error', LOG_LEVEL: 'debug' }), '', 'AEM_HEADLESS_LOG wins')
})
