'use strict'

// The conformance suite: what every runtime a Node backend uses (Node, Bun, Deno) must do with
// this package, against an emulator that __tests__/runtimes.test.js started. CommonJS only, in a
// folder whose package.json says so, since Deno runs CommonJS from .cjs files. It prints one
// line per check, "ok - name" or "not ok - name: reason", and a closing "N passed, N failed".
//
//   <runtime> suite.cjs   with AEM_CONFORMANCE='{"url","credentialsFile","devTokenFile","caFile","imsEndpoint"}'

const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { pathToFileURL } = require('node:url')

const PACKAGE = path.join(__dirname, '..', '..')
const setup = JSON.parse(process.env.AEM_CONFORMANCE)
const ca = fs.readFileSync(setup.caFile, 'utf8')
const credentials = JSON.parse(fs.readFileSync(setup.credentialsFile, 'utf8'))
const { accessToken: devToken } = JSON.parse(fs.readFileSync(setup.devTokenFile, 'utf8'))
const checks = []
const check = (name, run) => checks.push({ name, run })

check('require and the example flow: getToken(file), then a persisted query', async () => {
  const { AEMHeadless, getToken } = require(PACKAGE)
  const token = await getToken(setup.credentialsFile, { ca })
  assert.equal(token.type, 'bearer')
  const aem = new AEMHeadless({ serviceURL: setup.url, auth: token.accessToken, ca })
  const { data } = await aem.runPersistedQuery('wknd-shared/adventures-all')
  assert.equal(data.adventureList.items.length, 16)
})

check('TokenProvider with service credentials (JWT exchange), cached', async () => {
  const { TokenProvider } = require(PACKAGE)
  const provider = new TokenProvider(setup.credentialsFile, { ca })
  const first = await provider.getAccessToken()
  assert.match(first.accessToken, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/)
  assert.equal(first.tokenType, 'bearer')
  assert.ok(first.expiresAt > Date.now())
  assert.equal((await provider.getAccessToken()).accessToken, first.accessToken)
})

check('TokenProvider with OAuth Server-to-Server credentials', async () => {
  const { TokenProvider } = require(PACKAGE)
  const { clientId, clientSecret } = credentials.integration.technicalAccount
  const provider = new TokenProvider({ clientId, clientSecret, scopes: ['AdobeID', 'openid'], imsEndpoint: setup.imsEndpoint }, { ca })
  assert.match((await provider.getAccessToken()).accessToken, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/)
})

check('TokenProvider with a local development token', async () => {
  const { AEMHeadless, TokenProvider } = require(PACKAGE)
  const provider = new TokenProvider(setup.devTokenFile, { ca })
  assert.equal((await provider.getAccessToken()).accessToken, devToken)
  const aem = new AEMHeadless({ serviceURL: setup.url, credentials: setup.devTokenFile, ca })
  const { data } = await aem.runPersistedQuery('wknd-shared/adventure-by-slug', { slug: 'bali-surf-camp' })
  assert.equal(data.adventureList.items[0].slug, 'bali-surf-camp')
})

check('an API error: code, status, AEM\'s errors, toJSON() without the token', async () => {
  const { AEMHeadless, AEMHeadlessError } = require(PACKAGE)
  const aem = new AEMHeadless({ serviceURL: setup.url, auth: devToken, ca })
  const error = await aem.runPersistedQuery('test/error-400').then(() => null, (e) => e)
  assert.ok(error instanceof AEMHeadlessError && error instanceof Error, String(error))
  assert.equal(error.code, 'API_ERROR')
  assert.equal(error.sdkDetails.status, 400)
  const json = error.toJSON()
  assert.deepEqual(Object.keys(json), ['sdk', 'sdkDetails', 'code', 'message', 'stacktrace'])
  assert.equal(json.code, 'API_ERROR')
  assert.ok(!JSON.stringify(json).includes(devToken), 'the token is not in toJSON()')
})

check('an abort: an AbortSignal stops a request in flight', async () => {
  const { AEMHeadless } = require(PACKAGE)
  const aem = new AEMHeadless({ serviceURL: setup.url, auth: devToken, ca })
  const controller = new AbortController()
  const started = Date.now()
  const pending = aem.runPersistedQuery('test/cache-control', { delay: 5000 }, { signal: controller.signal })
  setTimeout(() => controller.abort(), 100)
  const error = await pending.then(() => null, (e) => e)
  assert.ok(error, 'the call resolved')
  assert.equal(error.code, 'REQUEST_ERROR')
  assert.ok(Date.now() - started < 4000, 'the abort did not wait for the answer')
})

check('the cache: a response with max-age is served again without a request', async () => {
  const { AEMHeadless } = require(PACKAGE)
  const aem = new AEMHeadless({ serviceURL: setup.url, auth: devToken, ca, cache: true })
  const vars = { cc: 'public, max-age=60', run: String(Math.random()) }
  const first = await aem.runPersistedQuery('test/cache-control', vars)
  const second = await aem.runPersistedQuery('test/cache-control', vars)
  assert.equal(second.data.cached.serial, first.data.cached.serial)
  const uncached = new AEMHeadless({ serviceURL: setup.url, auth: devToken, ca })
  assert.notEqual((await uncached.runPersistedQuery('test/cache-control', vars)).data.cached.serial, first.data.cached.serial)
})

check('the ES module import: default and named exports, the same objects as require', async () => {
  const esm = await import(pathToFileURL(path.join(PACKAGE, 'index.mjs')).href)
  const cjs = require(PACKAGE)
  assert.equal(esm.default, cjs)
  assert.equal(esm.AEMHeadless, cjs.AEMHeadless)
  assert.equal(esm.TokenProvider, cjs.TokenProvider)
  const { data } = await new esm.default({ serviceURL: setup.url, auth: devToken, ca }).runPersistedQuery('wknd-shared/adventures-all')
  assert.equal(data.adventureList.items.length, 16)
})

async function main () {
  let passed = 0
  let failed = 0
  for (const { name, run } of checks) {
    try {
      await run()
      passed++
      console.log(`ok - ${name}`)
    } catch (error) {
      failed++
      console.log(`not ok - ${name}: ${String(error && error.stack ? error.stack : error).split('\n').slice(0, 4).join(' | ')}`)
    }
  }
  console.log(`${passed} passed, ${failed} failed`)
  process.exitCode = failed === 0 ? 0 : 1
}

main()
