'use strict'

// The automatic transport choice (lib/network.js), as an app and its tests meet it: each case is
// a fresh process (__tests__/support/auto-transport.js) with no transport option, whose network
// an app's test double has or has not replaced, under a test runner's environment or none. A
// loopback server records what reaches it, and by which stack: node-fetch (the JavaScript path,
// Adobe's client's own transport) says so in its User-Agent, the native client does not.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const path = require('node:path')
const { execFile } = require('node:child_process')

const SCRIPT = path.join(__dirname, 'support', 'auto-transport.js')
const NODE_FETCH_AGENT = /^node-fetch\//

let server
let url
const reached = []

before(async () => {
  server = http.createServer((request, response) => {
    reached.push({ path: request.url, userAgent: request.headers['user-agent'] || '' })
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(JSON.stringify({ data: { from: 'server' } }))
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${server.address().port}`
})

after(() => server.close())

/** The environment of a process no test runner runs, with `extra` added. */
function environment (extra = {}) {
  const env = { ...process.env }
  for (const name of ['NODE_TEST_CONTEXT', 'JEST_WORKER_ID', 'VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID', 'AVA_PATH', 'AEM_HEADLESS_TRANSPORT']) delete env[name]
  return { ...env, ...extra }
}

/** Runs a scenario; resolves with its output and what reached the server. */
async function run (scenario, queryPath, extra) {
  reached.length = 0
  const stdout = await new Promise((resolve, reject) => execFile(process.execPath, [SCRIPT, scenario, url, queryPath], { env: environment(extra), timeout: 60000 },
    (error, out, err) => error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)))
  return { ...JSON.parse(stdout), reached: [...reached] }
}

const RUNNERS = { jest: { JEST_WORKER_ID: '1' }, vitest: { VITEST: 'true', VITEST_WORKER_ID: '1' }, 'node:test': { NODE_TEST_CONTEXT: 'child-v8' }, ava: { AVA_PATH: '/ava' } }

test('in production (no test runner, nothing replaced) a request goes through the native client', async () => {
  const { result, reached } = await run('plain', 'wknd/plain')
  assert.deepEqual(result, { data: { from: 'server' } })
  assert.equal(reached.length, 1)
  assert.doesNotMatch(reached[0].userAgent, NODE_FETCH_AGENT)
})

test('an observer that wraps http.request and calls through (OpenTelemetry, APM agents) is no replacement: still native', async () => {
  const { reached } = await run('observed-http', 'wknd/observed')
  assert.equal(reached.length, 1)
  assert.doesNotMatch(reached[0].userAgent, NODE_FETCH_AGENT)
})

for (const [runner, variables] of Object.entries(RUNNERS)) {
  test(`under ${runner}, with nothing replaced, a request goes through JavaScript as Adobe's client sends it`, async () => {
    const { result, reached } = await run('plain', 'wknd/runner', variables)
    assert.deepEqual(result, { data: { from: 'server' } })
    assert.equal(reached.length, 1)
    assert.match(reached[0].userAgent, NODE_FETCH_AGENT)
  })
}

for (const extra of [{}, RUNNERS.jest]) {
  const where = Object.keys(extra).length === 0 ? 'without a test runner' : 'under jest'
  test(`nock with disableNetConnect refuses an unmatched request with Adobe's words, and nothing leaves the process (${where})`, async () => {
    const { error, code, reached } = await run('nock-disabled', 'wknd/refused', extra)
    assert.equal(code, 'REQUEST_ERROR')
    assert.equal(error, `[AEMHeadless:REQUEST_ERROR] General Request error: request to ${url}/graphql/execute.json/wknd/refused failed, reason: Nock: Disallowed net connect for "127.0.0.1:${new URL(url).port}/graphql/execute.json/wknd/refused".`)
    assert.deepEqual(reached, [])
  })

  test(`nock, msw, undici's MockAgent and a replaced globalThis.fetch each answer the request they match (${where})`, async () => {
    for (const [scenario, queryPath, from] of [['nock-answers', 'wknd/by-nock', 'nock'], ['msw', 'wknd/by-msw', 'msw'], ['mock-agent', 'wknd/by-mock-agent', 'mock-agent'], ['fetch-replaced', 'wknd/by-fetch-double', 'fetch-double']]) {
      const { result, error, reached } = await run(scenario, queryPath, extra)
      assert.deepEqual(result, { data: { from } }, `${scenario}: ${error}`)
      assert.deepEqual(reached, [], `${scenario}: nothing reached the network`)
    }
  })
}

test('the app\'s choice wins both ways: AEM_HEADLESS_TRANSPORT=native goes native even past nock, =fetch through fetch in production', async () => {
  const native = await run('nock-disabled', 'wknd/asked-native', { AEM_HEADLESS_TRANSPORT: 'native' })
  assert.deepEqual(native.result, { data: { from: 'server' } })
  assert.equal(native.reached.length, 1)
  const viaFetch = await run('fetch-replaced', 'wknd/by-fetch-double', { AEM_HEADLESS_TRANSPORT: 'fetch' })
  assert.deepEqual(viaFetch.result, { data: { from: 'fetch-double' } })
})

test('under a test runner the core\'s waits are the runner\'s timers: mock.timers moves a Retry-After of 20 s, and nothing runs before', async (t) => {
  const AEMHeadless = require('..')
  let seen = 0
  const retrying = http.createServer((request, response) => {
    seen++
    if (seen === 1) {
      response.writeHead(503, { 'retry-after': '20', 'content-type': 'application/json' })
      return response.end('{"errors":[{"message":"busy"}]}')
    }
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end('{"data":{"second":true}}')
  })
  await new Promise((resolve) => retrying.listen(0, '127.0.0.1', resolve))
  const turns = async (count) => { for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve)) }
  try {
    t.mock.timers.enable({ apis: ['setTimeout'] })
    const client = new AEMHeadless({ serviceURL: `http://127.0.0.1:${retrying.address().port}`, auth: 't', transport: 'auto' })
    const pending = client.runPersistedQuery('wknd/retry')
    while (seen < 1) await turns(1)
    await turns(200)
    assert.equal(seen, 1, 'the retry waits for the clock')
    t.mock.timers.tick(19999)
    await turns(50)
    assert.equal(seen, 1, 'not a millisecond early')
    t.mock.timers.tick(1)
    assert.deepEqual(await pending, { data: { second: true } })
    assert.equal(seen, 2)
  } finally {
    t.mock.timers.reset()
    retrying.close()
  }
})
