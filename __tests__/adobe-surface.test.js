'use strict'

// Adobe's public surface, walked from Adobe's own packages (not a list of ours): every export,
// every method of AEMHeadless's prototype chain, every field a client has, and every shape of
// `auth` Adobe's client reads, are this package's too. Names beginning with `__` are Adobe's
// internals (its own docs mark them @private) and are left out.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const util = require('node:util')
const AdobeNode = require('@adobe/aem-headless-client-nodejs')
const AdobeJs = require('@adobe/aem-headless-client-js')
const ours = require('..')

/** Public own names of `object` and its prototypes up to Object's, without `constructor`. */
function publicNames (object) {
  const names = new Set()
  for (let at = object; at !== null && at !== Object.prototype && at !== Function.prototype; at = Object.getPrototypeOf(at)) {
    for (const name of Object.getOwnPropertyNames(at)) {
      if (!name.startsWith('__') && name !== 'constructor' && name !== 'prototype' && name !== 'length' && name !== 'name') names.add(name)
    }
  }
  return [...names].sort()
}

test('every export of both Adobe packages is an export of this package, of the same kind', () => {
  for (const adobe of [AdobeNode, AdobeJs]) {
    for (const name of Object.keys(adobe)) {
      assert.ok(name in ours, `export ${name}`)
      assert.equal(typeof ours[name], typeof adobe[name], `export ${name} is a ${typeof adobe[name]}`)
    }
  }
  assert.deepEqual(Object.keys(ours.ErrorCodes).sort(), Object.keys(AdobeJs.ErrorCodes).concat(['AUTH_FILE_READ_ERROR', 'AUTH_FILE_PARSE_ERROR', 'EXCHANGE_TOKEN_ERROR']).filter((c, i, all) => all.indexOf(c) === i).sort())
})

test('every method of Adobe\'s AEMHeadless (both packages) is a method of ours, with as many declared parameters or more', () => {
  for (const Adobe of [AdobeNode, AdobeJs]) {
    for (const name of publicNames(Adobe.prototype)) {
      assert.equal(typeof ours.prototype[name], typeof Adobe.prototype[name], `AEMHeadless.prototype.${name}`)
      if (typeof Adobe.prototype[name] === 'function') assert.ok(ours.prototype[name].length >= Adobe.prototype[name].length, `${name}'s parameters`)
    }
  }
})

test('a client has every field Adobe\'s has, with Adobe\'s values, from a string and from an object', () => {
  const fetch = async () => new Response('{}')
  const configs = [
    'https://publish.example.com',
    { serviceURL: 'https://publish.example.com/', endpoint: '/content/graphql/wknd/endpoint.json', auth: ['admin', 'admin'], headers: { 'X-Tenant': 'a' }, fetch },
    { serviceURL: 'https://publish.example.com', auth: 'dev-token', fetch },
    { fetch }
  ]
  for (const config of configs) {
    const adobe = new AdobeNode(config)
    const client = new ours.AEMHeadless(config)
    for (const name of Object.keys(adobe)) {
      assert.ok(name in client, `field ${name} of ${util.inspect(config)}`)
      if (name !== 'fetch') assert.deepEqual(client[name], adobe[name], `field ${name} of ${util.inspect(config)}`)
    }
    if (config.fetch) assert.equal(client.fetch, config.fetch)
  }
})

test('auth in every shape Adobe\'s client reads sends Adobe\'s Authorization, and a secret field is not enumerable', async () => {
  const seen = []
  const server = http.createServer((request, response) => {
    seen.push(request.headers.authorization)
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end('{"data":{}}')
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const serviceURL = `http://127.0.0.1:${server.address().port}`
  try {
    for (const auth of ['dev-token', ['admin', 'secret'], ['admin'], ['user', 'pass', 'extra'], [''], ['', 'x'], 0, '', undefined, 42]) {
      const expected = []
      for (const Client of [AdobeNode, ours.AEMHeadless]) {
        seen.length = 0
        await new Client({ serviceURL, auth }).runPersistedQuery('a/b', {}, {}, { maxRetries: 0 })
        expected.push(seen[0])
      }
      assert.equal(expected[1], expected[0], `auth ${util.inspect(auth)}`)
    }
  } finally {
    server.close()
  }
  const client = new ours.AEMHeadless({ serviceURL, auth: 'top-secret-token', headers: { Authorization: 'Bearer other-secret' } })
  assert.equal(client.auth, 'top-secret-token')
  assert.doesNotMatch(util.inspect(client, { depth: 5 }), /secret/)
  assert.doesNotMatch(JSON.stringify(client), /secret/)
})

test('getToken resolves with Adobe\'s shape for a development token', async () => {
  const os = require('node:os')
  const fs = require('node:fs')
  const path = require('node:path')
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aem-headless-rs-surface-')), 'dev.json')
  fs.writeFileSync(file, JSON.stringify({ accessToken: 'dev-token-value' }))
  try {
    const adobe = await AdobeNode.getToken(file)
    const token = await ours.getToken(file)
    assert.deepEqual(Object.keys(token), Object.keys(adobe))
    assert.equal(token.accessToken, adobe.accessToken)
    assert.equal(token.type, adobe.type)
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true })
  }
})
