'use strict'

// The JWT we send to IMS, checked by an independent verifier: node:crypto with the
// credentials' certificate.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const { getToken } = require('..')
const { setup, formFields } = require('./helpers')

let env
before(async () => { env = await setup() })
after(() => env.close())

function decodePart (part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
}

test('the exchanged JWT verifies with the certificate and carries every claim', async () => {
  env.emu.clearRequests()
  const before = Math.floor(Date.now() / 1000)
  await getToken(env.files.credentialsFile, { ca: env.emu.caPem })
  const after = Math.ceil(Date.now() / 1000)

  const [request] = env.emu.requests
  assert.equal(request.method, 'POST')
  assert.equal(request.url, '/ims/exchange/jwt')
  assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded')
  const form = formFields(request.body)
  const { integration } = env.emu.credentials
  assert.deepEqual(Object.keys(form).sort(), ['client_id', 'client_secret', 'jwt_token'])
  assert.equal(form.client_id, integration.technicalAccount.clientId)
  assert.equal(form.client_secret, integration.technicalAccount.clientSecret)

  const [header, payload, signature] = form.jwt_token.split('.')
  assert.deepEqual(decodePart(header), { alg: 'RS256', typ: 'JWT' })
  const publicKey = new crypto.X509Certificate(integration.publicKey).publicKey
  const valid = crypto.verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url'))
  assert.equal(valid, true, 'RS256 signature verifies with the credentials certificate')

  const claims = decodePart(payload)
  const ims = integration.imsEndpoint
  assert.equal(claims.iss, integration.org)
  assert.equal(claims.sub, integration.id)
  assert.equal(claims.aud, `https://${ims}/c/${integration.technicalAccount.clientId}`)
  assert.equal(claims[`https://${ims}/s/ent_aem_cloud_api`], true)
  assert.ok(claims.iat >= before && claims.iat <= after)
  assert.equal(claims.exp - claims.iat, 300, 'a JWT used once lives 5 minutes')
  assert.deepEqual(Object.keys(claims).sort(), ['aud', 'exp', 'iat', 'iss', `https://${ims}/s/ent_aem_cloud_api`, 'sub'].sort())
})

test('one claim per metascope; a metascope given as a URL is used as is', async () => {
  env.emu.clearRequests()
  const creds = structuredClone(env.emu.credentials)
  creds.integration.metascopes = ' ent_aem_cloud_api , https://ims.example/s/ent_cloudmgr_sdk '
  await getToken(creds, { ca: env.emu.caPem })
  const claims = decodePart(formFields(env.emu.requests[0].body).jwt_token.split('.')[1])
  assert.equal(claims[`https://${env.emu.imsEndpoint}/s/ent_aem_cloud_api`], true)
  assert.equal(claims['https://ims.example/s/ent_cloudmgr_sdk'], true)
})
