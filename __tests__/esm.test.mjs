// The ES module face: `import` gives the same objects as `require`, and works end to end.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import AEMHeadless, { AEMHeadless as Named, getToken, AEMHeadlessError, ErrorCodes, TokenProvider, loadCredentials, signServiceJwt, exchange, createRedisStore } from 'aem-headless-rs'

const require = createRequire(import.meta.url)
const { setup } = require('./helpers')

let env
before(async () => { env = await setup() })
after(() => env.close())

test('import and require give the same objects', () => {
  const cjs = require('aem-headless-rs')
  assert.equal(AEMHeadless, cjs)
  assert.equal(Named, cjs)
  const named = { getToken, AEMHeadlessError, ErrorCodes, TokenProvider, loadCredentials, signServiceJwt, exchange, createRedisStore }
  for (const [name, value] of Object.entries(named)) {
    assert.equal(typeof value === 'function' || typeof value === 'object', true, name)
    assert.equal(value, cjs[name], name)
  }
})

test('an ES module app gets a token and runs a persisted query', async () => {
  const { accessToken } = await getToken(env.files.credentialsFile, { ca: env.emu.caPem })
  const aem = new AEMHeadless({ serviceURL: env.emu.url, auth: accessToken, ca: env.emu.caPem })
  const { data } = await aem.runPersistedQuery('wknd-shared/adventures-all')
  assert.equal(data.adventureList.items.length, 16)
  await assert.rejects(aem.runPersistedQuery('wknd-shared/nope'), (error) => error instanceof AEMHeadlessError && error.code === 'API_ERROR')
})
