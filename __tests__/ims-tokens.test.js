'use strict'

// Access tokens as IMS issues them (docs/PROTOCOL.md §8): JWTs with `created_at` and
// `expires_in` in milliseconds, as strings, and no `exp`. The emulator issues them so from all
// three sources, and a development token's expiry is read from the token itself.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { execFile } = require('node:child_process')
const AEMHeadless = require('..')
const { getToken, TokenProvider, loadCredentials } = AEMHeadless
const { setup, writeJson, rejectsWith, assertNoSecret } = require('./helpers')

const CLI = path.join(__dirname, '..', 'bin', 'aem-headless-rs.js')
const DAY_MS = 24 * 60 * 60 * 1000

let env
before(async () => { env = await setup() })
after(() => env.close())

const decode = (part) => JSON.parse(Buffer.from(part, 'base64url'))

/** The header and claims of an IMS-shaped token, checked for IMS's shape. */
function imsShaped (token) {
  const [header, payload, signature] = token.split('.')
  assert.ok(signature, 'a JWT')
  assert.deepEqual(decode(header), { alg: 'RS256', x5u: 'ims_na1-key-at-1.cer', kid: 'ims_na1-key-at-1', itt: 'at' })
  const claims = decode(payload)
  assert.equal(claims.type, 'access_token')
  assert.match(claims.created_at, /^\d{13}$/, 'created_at: milliseconds, as a string')
  assert.match(claims.expires_in, /^\d+$/, 'expires_in: milliseconds, as a string')
  assert.equal(claims.exp, undefined, 'no exp')
  return claims
}

/** A development token file as the Developer Console gives it, for a token with `claims`. */
function devTokenFile (name, claims) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const accessToken = `${part({ alg: 'RS256', x5u: 'ims_na1-key-at-1.cer', kid: 'ims_na1-key-at-1', itt: 'at' })}.${part({ type: 'access_token', client_id: 'dev-console-prod', ...claims })}.c2lnbmF0dXJl`
  return { file: writeJson(env.dir, name, { ok: true, statusCode: 200, accessToken }), accessToken }
}

test('the emulator issues IMS-shaped tokens from the dev token, /ims/exchange/jwt and /ims/token/v3', async () => {
  const dev = imsShaped(env.emu.devToken.accessToken)
  assert.equal(dev.client_id, 'dev-console-prod')
  assert.equal(Number(dev.expires_in), DAY_MS)

  const jwt = imsShaped((await getToken(env.files.credentialsFile, { ca: env.emu.caPem })).accessToken)
  assert.equal(jwt.client_id, env.emu.credentials.integration.technicalAccount.clientId)
  assert.equal(jwt.scope, env.emu.credentials.integration.metascopes)

  const { clientId, clientSecret } = env.emu.credentials.integration.technicalAccount
  const oauth = { clientId, clientSecret, scopes: ['AdobeID', 'openid'], imsEndpoint: env.emu.imsEndpoint }
  const v3 = imsShaped((await getToken(oauth, { ca: env.emu.caPem })).accessToken)
  assert.equal(v3.client_id, clientId)
  assert.equal(v3.scope, 'AdobeID,openid')
})

test('a development token expires when created_at + expires_in says, and getToken keeps Adobe\'s shape', async () => {
  const claims = imsShaped(env.emu.devToken.accessToken)
  const provider = new TokenProvider(env.files.devTokenFile)
  const { expiresAt } = await provider.getAccessToken()
  assert.equal(expiresAt, Number(claims.created_at) + Number(claims.expires_in))

  // A token created 20 hours ago for 24 hours has 4 hours left, not 24.
  const createdAt = Date.now() - 20 * 60 * 60 * 1000
  const { file } = devTokenFile('dev-20h.json', { created_at: String(createdAt), expires_in: String(DAY_MS) })
  assert.equal((await new TokenProvider(file).getAccessToken()).expiresAt, createdAt + DAY_MS)

  const token = await getToken(env.files.devTokenFile)
  assert.deepEqual(Object.keys(token).sort(), ['accessToken', 'expires', 'type'])
  assert.equal(token.accessToken, env.emu.devToken.accessToken)
  assert.equal(token.type, 'Bearer')
  assert.equal(token.expires, DAY_MS)
})

test('an expired development token fails when it is loaded, saying when, and nothing is sent to AEM', async () => {
  const createdAt = Date.UTC(2025, 11, 1)
  const { file, accessToken } = devTokenFile('dev-expired.json', { created_at: String(createdAt), expires_in: String(DAY_MS) })
  const expected = 'the local development token expired at 2025-12-02T00:00:00Z; download a new one from the Developer Console'
  const check = (error) => {
    assert.ok(error.message.includes(expected), error.message)
    assertNoSecret(error, [accessToken])
  }
  env.emu.clearRequests()
  check(await rejectsWith(loadCredentials(file), 'EXCHANGE_TOKEN_ERROR'))
  check(await rejectsWith(getToken(file), 'EXCHANGE_TOKEN_ERROR'))
  check(await rejectsWith(new TokenProvider(file).getAccessToken(), 'EXCHANGE_TOKEN_ERROR'))
  const aem = new AEMHeadless({ serviceURL: env.emu.url, credentials: file, ca: env.emu.caPem })
  check(await rejectsWith(aem.runPersistedQuery('wknd-shared/adventures-all'), 'EXCHANGE_TOKEN_ERROR'))
  assert.deepEqual(env.emu.requests, [], 'no request reached AEM')

  for (const args of [['token', file], ['query', env.emu.url, 'wknd-shared/adventures-all', '--credentials', file, '--ca', env.files.caFile]]) {
    const { code, stdout, stderr } = await new Promise((resolve) => {
      execFile(process.execPath, [CLI, ...args], (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }))
    })
    assert.equal(code, 1, stderr)
    assert.equal(stdout, '')
    assert.ok(stderr.includes(expected), stderr)
    assert.ok(!stderr.includes(accessToken))
  }
  assert.deepEqual(env.emu.requests, [], 'the CLI sent nothing either')
})
