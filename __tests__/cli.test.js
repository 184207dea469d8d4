'use strict'

// The command line, run as a child process against the emulator.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { execFile } = require('node:child_process')
const { setup, writeJson, secretsOf } = require('./helpers')

const CLI = path.join(__dirname, '..', 'bin', 'aem-headless-rs.js')

let env

before(async () => { env = await setup() })
after(() => env.close())

/** Runs the CLI; resolves with its exit code, stdout and stderr. */
function cli (...args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, AEM_TOKEN: '' } }, (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, stdout, stderr })
    })
  })
}

function assertNoSecretIn (text) {
  for (const secret of secretsOf(env.emu)) assert.ok(!text.includes(secret), `a secret was printed: ${text.slice(0, 200)}`)
}

test('token prints IMS\'s JSON for service credentials, and exits 0', async () => {
  const { code, stdout, stderr } = await cli('token', env.files.credentialsFile, '--ca', env.files.caFile)
  assert.equal(code, 0, stderr)
  const ims = JSON.parse(stdout)
  assert.equal(ims.token_type, 'bearer')
  assert.match(ims.access_token, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/)
  assert.ok(ims.expires_in > 1000 * 60 * 60, 'expires_in in milliseconds')
  assert.equal(env.emu.stats.exchanges >= 1, true)
  // The token it was asked for is the only secret printed.
  assertNoSecretIn(stdout.replace(ims.access_token, ''))
})

test('token turns a development token into the same shape', async () => {
  const { code, stdout } = await cli('token', env.files.devTokenFile)
  assert.equal(code, 0)
  const ims = JSON.parse(stdout)
  assert.equal(ims.access_token, env.emu.devToken.accessToken)
  assert.equal(ims.token_type, 'bearer')
})

test('query prints the result, with variables, a token or credentials', async () => {
  let run = await cli('query', env.emu.url, 'wknd-shared/adventure-by-slug', '--var', 'slug=bali-surf-camp', '--token', env.emu.devToken.accessToken, '--ca', env.files.caFile)
  assert.equal(run.code, 0, run.stderr)
  const { data } = JSON.parse(run.stdout)
  assert.deepEqual(data.adventureList.items.map((a) => a.slug), ['bali-surf-camp'])

  run = await cli('query', env.emu.url, 'wknd-shared/adventures-all', '--credentials', env.files.credentialsFile, '--ca', env.files.caFile, '--method', 'post', '--var', 'imageWidth=800')
  assert.equal(run.code, 0, run.stderr)
  assert.equal(JSON.parse(run.stdout).data.adventureList.items.length, 16)

  env.emu.clearRequests()
  run = await cli('query', env.emu.url, 'test/echo', '--token', 't', '--ca', env.files.caFile, '--var', 'n=5', '--var', 's=a;b', '--var', 'flag=true')
  assert.equal(run.code, 1, 'the emulator refuses the token')
  assert.match(run.stderr, /^aem-headless-rs: \[AEMHeadless:RESPONSE_ERROR\] .*invalid json response body at .*\n {2}HTTP 401/)
  assert.equal(env.emu.requests[0].url, '/graphql/execute.json/test/echo%3Bn%3D5%3Bs%3Da%3Bb%3Bflag%3Dtrue;')
})

test('failures exit 1 with the error code and no secret', async () => {
  const broken = JSON.parse(JSON.stringify(env.emu.credentials))
  broken.integration.technicalAccount.clientSecret = 'wrong-but-still-secret'
  const file = writeJson(env.dir, 'broken.json', broken)
  const { code, stdout, stderr } = await cli('token', file, '--ca', env.files.caFile)
  assert.equal(code, 1)
  assert.equal(stdout, '')
  assert.match(stderr, /EXCHANGE_TOKEN_ERROR/)
  assert.ok(!stderr.includes('wrong-but-still-secret'))
  assertNoSecretIn(stderr)

  const missing = await cli('token', path.join(env.dir, 'nope.json'))
  assert.equal(missing.code, 1)
  assert.match(missing.stderr, /AUTH_FILE_READ_ERROR/)
})

test('usage mistakes exit 2 with the usage; --help exits 0', async () => {
  for (const args of [[], ['nope'], ['token'], ['token', 'a', 'b'], ['query', 'https://h'], ['query', 'https://h', 'a/b', '--var'], ['query', 'https://h', 'a/b', '--var', 'novalue'], ['query', 'https://h', 'a/b', '--method', 'PUT'], ['token', 'f', '--frobnicate']]) {
    const { code, stderr } = await cli(...args)
    assert.equal(code, 2, JSON.stringify(args))
    assert.match(stderr, /Usage:/)
  }
  const help = await cli('--help')
  assert.equal(help.code, 0)
  assert.match(help.stdout, /aem-headless-rs token <credentials.json>/)
})

test('request sends any method to an AEM API with the managed token, and prints the body', async () => {
  const creds = ['--credentials', env.files.credentialsFile, '--ca', env.files.caFile]
  const list = await cli('request', '/adobe/sites/cf/fragments?limit=2', '--host', env.emu.url, ...creds)
  assert.equal(list.code, 0, list.stderr)
  const page = JSON.parse(list.stdout)
  assert.equal(page.items.length, 2)
  assertNoSecretIn(list.stdout)

  const id = page.items[0].id
  const got = await cli('request', `${env.emu.url}/adobe/sites/cf/fragments/${id}`, ...creds)
  assert.equal(got.code, 0, got.stderr)
  assert.equal(JSON.parse(got.stdout).data.id, id)
  const put = await cli('request', 'PUT', `${env.emu.url}/adobe/sites/cf/fragments/${id}`, '--data', '{"title":"From the CLI"}', '--header', 'If-Match: "stale"', ...creds)
  assert.equal(put.code, 1)
  assert.match(put.stderr, /API_ERROR.*PUT adobe\/sites\/cf\/fragments\/[\w-]+ answered 412/)
  const missing = await cli('request', 'PATCH', `${env.emu.url}/adobe/sites/cf/fragments/${id}`, '--data', '[]', '--header', 'Content-Type: application/json-patch+json', ...creds)
  assert.equal(missing.code, 1)
  assert.match(missing.stderr, /"title": "Precondition Required"/, 'the problem details are printed')

  const batch = await cli('request', 'POST', '/adobe/sites/cf/batch', '--host', env.emu.url, '--wait', '--data', JSON.stringify({ requests: [{ path: `/cf/fragments/${id}`, method: 'GET' }] }), ...creds)
  assert.equal(batch.code, 0, batch.stderr)
  assert.match(JSON.parse(batch.stdout).status, /^FINISHED/)

  // A binary is printed as it came, byte for byte (the blob store's bytes count 0, 1, 2, …).
  const binary = await new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'request', `${env.emu.url}/adobe/sites/cf/fragments/${id}/asset?size=1000`, ...creds], { encoding: 'buffer', env: { ...process.env, AEM_TOKEN: '' } }, (error, stdout) => resolve({ error, stdout }))
  })
  assert.equal(binary.error, null)
  assert.equal(binary.stdout.length, 1000)
  assert.deepEqual([...binary.stdout.subarray(0, 3)], [0, 1, 2])

  assert.equal((await cli('request', 'DELETE', '--host', env.emu.url)).code, 2, 'a method needs a path')
  assert.equal((await cli('request', '/x', '--host', env.emu.url, '--header', 'bad name: 1')).code, 2)
  assert.equal((await cli('request', '/adobe/sites/cf/fragments')).code, 2, 'a path needs a host')
  assert.equal((await cli('request', 'PUT', '/x', '--host', env.emu.url, '--data', '{nope')).code, 2)
  assert.equal((await cli('request', 'G3T', '/x', '--host', env.emu.url)).code, 2)
})
