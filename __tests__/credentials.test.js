'use strict'

// Every way credentials can be wrong, and what IMS says when it refuses them.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const path = require('node:path')
const { getToken } = require('..')
const { setup, writeJson, rejectsWith, secretsOf, assertNoSecret } = require('./helpers')

let env
before(async () => { env = await setup() })
after(() => env.close())

const options = () => ({ ca: env.emu.caPem })
const withIntegration = (change) => {
  const creds = structuredClone(env.emu.credentials)
  change(creds.integration)
  return creds
}

test('a missing file → AUTH_FILE_READ_ERROR naming the file', async () => {
  const file = path.join(env.dir, 'missing.json')
  const error = await rejectsWith(getToken(file), 'AUTH_FILE_READ_ERROR')
  assert.ok(error.message.includes(file))
})

test('a relative path is read from the current directory, as Adobe\'s client does', async () => {
  const relative = path.relative(process.cwd(), env.files.devTokenFile)
  const token = await getToken(relative)
  assert.equal(token.accessToken, env.emu.devToken.accessToken)
})

test('a file that is not JSON → AUTH_FILE_PARSE_ERROR', async () => {
  for (const content of ['', '{"ok": true,', 'not json at all']) {
    await rejectsWith(getToken(writeJson(env.dir, 'bad.json', content)), 'AUTH_FILE_PARSE_ERROR')
  }
})

test('each required field, missing, is named in INVALID_PARAM', async () => {
  const required = [
    ['imsEndpoint', (i) => delete i.imsEndpoint],
    ['org', (i) => delete i.org],
    ['id', (i) => delete i.id],
    ['metascopes', (i) => delete i.metascopes],
    ['privateKey', (i) => delete i.privateKey],
    ['technicalAccount', (i) => delete i.technicalAccount],
    ['technicalAccount.clientId', (i) => delete i.technicalAccount.clientId],
    ['technicalAccount.clientSecret', (i) => delete i.technicalAccount.clientSecret]
  ]
  for (const [field, drop] of required) {
    const file = writeJson(env.dir, 'creds.json', withIntegration(drop))
    const error = await rejectsWith(getToken(file, options()), 'INVALID_PARAM')
    assert.ok(error.sdkDetails.problems.includes(`integration.${field} is missing`), `${field}: ${error.message}`)
  }
})

test('all problems are named at once', async () => {
  const error = await rejectsWith(getToken({ ok: true, integration: { org: 5, metascopes: '' } }), 'INVALID_PARAM')
  assert.deepEqual(error.sdkDetails.problems, [
    'integration.imsEndpoint is missing',
    'integration.org must be a string, not a number',
    'integration.id is missing',
    'integration.metascopes is empty',
    'integration.privateKey is missing',
    'integration.technicalAccount is missing'
  ])
})

test('a broken or non-RSA private key → INVALID_PARAM without key material', async () => {
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' })
  const truncated = env.emu.credentials.integration.privateKey.slice(0, 400)
  for (const key of [ec, truncated, 'not a pem']) {
    const error = await rejectsWith(getToken(withIntegration((i) => { i.privateKey = key })), 'INVALID_PARAM')
    assert.match(error.message, /privateKey is not a PEM RSA private key|privateKey is not a usable RSA/)
    assertNoSecret(error, [truncated.split(/\r?\n/)[1]])
  }
})

test('PKCS#8, \\n endings and literal \\n escapes are accepted', async () => {
  const pem = env.emu.credentials.integration.privateKey
  const pkcs8 = crypto.createPrivateKey(pem).export({ type: 'pkcs8', format: 'pem' })
  for (const key of [pkcs8, pem.replace(/\r\n/g, '\n'), pem.replace(/\r\n/g, '\\n')]) {
    const token = await getToken(withIntegration((i) => { i.privateKey = key }), options())
    assert.match(token.accessToken, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/)
  }
})

test('credentials without the {ok, integration} wrapper work', async () => {
  const token = await getToken(env.emu.credentials.integration, options())
  assert.match(token.accessToken, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/)
})

test('a wrong client secret → EXCHANGE_TOKEN_ERROR with IMS status, error, description and x-debug-id', async () => {
  const creds = withIntegration((i) => { i.technicalAccount.clientSecret = 'p8e-wrong' })
  const error = await rejectsWith(getToken(creds, options()), 'EXCHANGE_TOKEN_ERROR')
  assert.equal(error.sdkDetails.status, 401)
  assert.equal(error.sdkDetails.imsError, 'invalid_client')
  assert.equal(error.sdkDetails.imsErrorDescription, 'invalid client_secret parameter')
  assert.match(error.sdkDetails.debugId, /\S/)
  // Adobe's getToken's words; this package's, with IMS's error and x-debug-id, under cause.
  assert.equal(error.message, '[AEMHeadless:EXCHANGE_TOKEN_ERROR] There was a problem fetching  exchange token: HTTP 401: invalid client_secret parameter.')
  assert.ok(error.cause.message.includes(error.sdkDetails.debugId))
  assertNoSecret(error, ['p8e-wrong', ...secretsOf(env.emu)])
})

test('a key that does not match the certificate → invalid_token from IMS', async () => {
  const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' })
  const error = await rejectsWith(getToken(withIntegration((i) => { i.privateKey = other }), options()), 'EXCHANGE_TOKEN_ERROR')
  assert.equal(error.sdkDetails.status, 400)
  assert.equal(error.sdkDetails.imsError, 'invalid_token')
  assert.equal(error.sdkDetails.imsErrorDescription, 'Could not match JWT signature to any of the bindings')
})

test('a wrong org is refused by IMS, naming the claim', async () => {
  const error = await rejectsWith(getToken(withIntegration((i) => { i.org = 'OTHER@AdobeOrg' }), options()), 'EXCHANGE_TOKEN_ERROR')
  assert.match(error.sdkDetails.imsErrorDescription, /iss/)
})

test('IMS that cannot be reached → EXCHANGE_TOKEN_ERROR with the cause', async () => {
  const creds = withIntegration((i) => { i.imsEndpoint = '127.0.0.1:1' })
  const error = await rejectsWith(getToken(creds), 'EXCHANGE_TOKEN_ERROR')
  assert.ok(error.cause instanceof Error)
  assert.equal(error.message, '[AEMHeadless:EXCHANGE_TOKEN_ERROR] There was a problem fetching  exchange token: connect ECONNREFUSED 127.0.0.1:1.')
  assert.match(error.cause.message, /cannot reach IMS at https:\/\/127\.0\.0\.1:1/)
})

test('an http:// IMS endpoint is refused: the exchange carries the client secret', async () => {
  const error = await rejectsWith(getToken(withIntegration((i) => { i.imsEndpoint = `http://${env.emu.imsEndpoint}` })), 'INVALID_PARAM')
  assert.match(error.message, /imsEndpoint/)
})

test('the imsEndpoint option overrides the credentials, for the URL and the JWT audience', async () => {
  const creds = withIntegration((i) => { i.imsEndpoint = 'ims-na1.adobelogin.com' })
  env.emu.clearRequests()
  const token = await getToken(creds, { ...options(), imsEndpoint: env.emu.imsEndpoint })
  assert.match(token.accessToken, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/)
  assert.equal(env.emu.requests.length, 1)
  assert.equal(env.emu.requests[0].url, '/ims/exchange/jwt')
})

test('bad arguments → INVALID_PARAM', async () => {
  for (const bad of [undefined, null, 42]) await rejectsWith(getToken(bad), 'INVALID_PARAM')
  const cyclic = {}
  cyclic.self = cyclic
  await rejectsWith(getToken(cyclic), 'INVALID_PARAM')
})

test('a credentials file read again is parsed once, and an edited one (or other options) afresh', async () => {
  const { loadCredentials } = require('..')
  const native = require('../binding.js')
  const file = writeJson(env.dir, 'parsed-once.json', withIntegration((integration) => { integration.technicalAccount.clientId = 'cm-parsed-first' }))
  const first = await loadCredentials(file, { imsEndpoint: 'ims-na1.adobelogin.com' })
  const again = await loadCredentials(file, { imsEndpoint: 'ims-na1.adobelogin.com' })
  assert.equal(first.clientId, 'cm-parsed-first')
  assert.equal(again.clientId, 'cm-parsed-first')
  // Kept by the text and the options together: other options parse afresh.
  const text = require('node:fs').readFileSync(file, 'utf8')
  assert.notEqual(native.credentialsParsedBefore(text, { imsEndpoint: 'ims-na1.adobelogin.com' }), null)
  assert.equal(native.credentialsParsedBefore(text, { imsEndpoint: 'ims-na1-stg1.adobelogin.com' }), null)

  writeJson(env.dir, 'parsed-once.json', withIntegration((integration) => { integration.technicalAccount.clientId = 'cm-parsed-edited' }))
  const edited = await loadCredentials(file, { imsEndpoint: 'ims-na1.adobelogin.com' })
  assert.equal(edited.clientId, 'cm-parsed-edited')
})
