'use strict'

// Differential tests: the same calls through Adobe's @adobe/aem-headless-client-nodejs and
// through ours, against one emulator, must put the same requests on the wire and give the same
// results and error codes. Adobe's client calls IMS on port 443 only and trusts extra CAs only
// through NODE_EXTRA_CA_CERTS set before Node starts, so each client runs in its own process, and
// the emulator listens on a free port: each child preloads emulator/redirect-443.js, which sends
// Adobe's connections for port 443 to the emulator's port (no root, no port 443). Ours calls the
// credentials' `imsEndpoint` (`127.0.0.1:PORT`) directly; both sign the same JWT audience.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { execFile } = require('node:child_process')
const { promisify } = require('node:util')
const { setup, formFields } = require('./helpers')
const vectors = require('./support/variable-vectors')

const run = promisify(execFile)
const ADOBE = require.resolve('@adobe/aem-headless-client-nodejs')
const OURS = require.resolve('..')
const RUNNER = path.join(__dirname, 'support', 'run-calls.js')

const REDIRECT_443 = path.join(__dirname, '..', 'emulator', 'redirect-443.js')

let env
before(async () => { env = await setup() })
after(() => env && env.close())

/**
 * Runs `script` with `args` in a child process that trusts the emulator's CA and reaches it on
 * port 443, and resolves with its stdout.
 */
async function runChild (emulator, script, args) {
  const { stdout } = await run(process.execPath, ['--require', REDIRECT_443, script, ...args], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: emulator.files.caFile, AEM_EMULATOR_PORT: String(emulator.emu.port) },
    maxBuffer: 64 * 1024 * 1024
  })
  return stdout
}

/** Runs `script` with `args` (see runChild) against `on` (the shared emulator unless given) and returns stdout and the requests it made. */
async function traced (script, args, on = env) {
  on.emu.clearRequests()
  const stdout = await runChild(on, script, args)
  return { stdout, requests: on.emu.requests.slice() }
}

function callsFor (module, on = env) {
  return traced(RUNNER, [module, on.emu.url, on.emu.devToken.accessToken, on.files.credentialsFile], on)
}

/** What must match between the two clients, with each run's own IMS token and JWT set aside. */
function normalize (request) {
  const out = {
    method: request.method,
    url: request.url,
    contentType: request.headers['content-type'],
    authorization: request.headers.authorization
  }
  if (request.url === '/ims/exchange/jwt') {
    const form = formFields(request.body)
    const claims = JSON.parse(Buffer.from(form.jwt_token.split('.')[1], 'base64url'))
    delete claims.exp
    delete claims.iat
    out.form = { client_id: form.client_id, client_secret: form.client_secret, fields: Object.keys(form).sort() }
    out.claims = claims
  } else {
    out.body = request.body
  }
  if (/^Bearer eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/.test(out.authorization || '') && out.authorization !== `Bearer ${env.emu.devToken.accessToken}`) {
    out.authorization = 'Bearer <token from getToken>'
  }
  return out
}

/**
 * Collapses runs of the same request (retries) and returns them with the URLs that were
 * repeated, and how often.
 */
function collapseRetries (requests, view = normalize) {
  const kept = []
  const repeated = {}
  for (const request of requests.map(view)) {
    const previous = kept.at(-1)
    if (previous && JSON.stringify(previous) === JSON.stringify(request)) {
      repeated[request.url] = (repeated[request.url] || 1) + 1
    } else {
      kept.push(request)
    }
  }
  return { kept, repeated }
}

test('every call puts the same request on the wire and gives the same result', async () => {
  const adobe = await callsFor(ADOBE)
  const ours = await callsFor(OURS)

  const adobeRequests = collapseRetries(adobe.requests)
  const ourRequests = collapseRetries(ours.requests)
  assert.deepEqual(ourRequests.kept, adobeRequests.kept)
  // Both retry a 5xx three times (4 attempts); other errors are not retried.
  assert.deepEqual(adobeRequests.repeated, {
    '/graphql/execute.json/test/error-500': 4,
    '/graphql/execute.json/test/html-502': 4
  })
  assert.deepEqual(ourRequests.repeated, adobeRequests.repeated)
  assert.deepEqual(JSON.parse(ours.stdout), JSON.parse(adobe.stdout))

  // The vectors really ran, each with a distinct URL, and AEM decoded them back to their values
  // (but for those holding `;`, which the `;name=value` format cannot carry unambiguously).
  const echoes = ours.requests.filter((r) => r.url.startsWith('/graphql/execute.json/test/echo%3Bv%3D'))
  assert.equal(echoes.length, vectors.length)
  assert.ok(vectors.length >= 30)
  const results = JSON.parse(ours.stdout)
  vectors.forEach((value, i) => {
    const expected = typeof value === 'string' ? value : JSON.stringify(value)
    if (expected.includes(';')) return
    assert.equal(results[i].ok.data.echo.variables.v, expected, `vector ${i}`)
  })
})

test('the example app prints the same JSON on Adobe\'s package and on ours', async () => {
  const example = path.join(__dirname, '..', 'examples', 'server-to-server.js')
  const source = fs.readFileSync(example, 'utf8')
  assert.ok(source.includes("require('aem-headless-rs')"))
  const adobeExample = path.join(env.dir, 'server-to-server-adobe.js')
  fs.writeFileSync(adobeExample, source.replace("require('aem-headless-rs')", `require(${JSON.stringify(ADOBE)})`))

  const args = [env.emu.url, env.files.credentialsFile]
  const adobe = await traced(adobeExample, args)
  const ours = await traced(example, args)
  assert.equal(ours.stdout, adobe.stdout)
  assert.equal(JSON.parse(ours.stdout).data.adventureList.items.length, 16)
  assert.deepEqual(ours.requests.map(normalize), adobe.requests.map(normalize))
})

test('persisted-query management, pagination and buildQuery match Adobe\'s on the wire', async () => {
  // Each client gets a fresh emulator, so both start from the same persisted queries.
  async function methodsFor (module) {
    const fresh = await setup()
    try {
      const stdout = await runChild(fresh, path.join(__dirname, 'support', 'run-methods.js'), [module, fresh.emu.url, fresh.emu.devToken.accessToken])
      const requests = fresh.emu.requests.map((r) => ({
        method: r.method,
        url: r.url,
        contentType: r.headers['content-type'],
        authorization: r.headers.authorization === `Bearer ${fresh.emu.devToken.accessToken}` ? '<dev token>' : r.headers.authorization,
        body: r.body
      }))
      return { results: JSON.parse(stdout), requests }
    } finally {
      await fresh.close()
    }
  }
  const adobe = await methodsFor(ADOBE)
  const ours = await methodsFor(OURS)
  const adobeRequests = collapseRetries(adobe.requests, (r) => r)
  const ourRequests = collapseRetries(ours.requests, (r) => r)
  assert.deepEqual(ourRequests.kept, adobeRequests.kept)
  assert.deepEqual(ours.results, adobe.results)

  const [created, conflict, createdJson, updated, invalid, list] = ours.results
  assert.equal(created.ok.action, 'create')
  assert.equal(conflict.code, 'API_ERROR')
  assert.equal(conflict.status, 409)
  assert.equal(createdJson.ok.shortPath, '/diff/first-n')
  assert.equal(updated.ok.action, 'update')
  assert.equal(invalid.code, 'API_ERROR')
  assert.ok(list.ok.some((conf) => conf.configurationName === 'diff' && conf.queries.length === 2))
  const cursorPages = ours.results[9]
  assert.deepEqual(cursorPages.map((page) => page.length), [10, 10, 10, 10, 10, 7])
  assert.equal(new Set(cursorPages.flat().map((a) => a.slug)).size, 57)
})

test('the preload sends Adobe\'s IMS call on port 443 to the emulator, and nothing else', async () => {
  // Without the preload, Adobe's getToken cannot reach the emulator (it asks for port 443).
  const script = path.join(env.dir, 'adobe-token.js')
  fs.writeFileSync(script, `require(${JSON.stringify(ADOBE)}).getToken(process.argv[2]).then((t) => console.log(t.type), (e) => console.log(e.code))`)
  const bare = await run(process.execPath, [script, env.files.credentialsFile], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: env.files.caFile }
  })
  assert.equal(bare.stdout.trim(), 'EXCHANGE_TOKEN_ERROR')
  env.emu.clearRequests()
  assert.equal((await runChild(env, script, [env.files.credentialsFile])).trim(), 'bearer')
  assert.deepEqual(env.emu.requests.map((r) => r.url), ['/ims/exchange/jwt'])
})

test('against an openssl req -x509 self-signed CA:TRUE certificate, both clients give the same output', async () => {
  // Node takes a trusted self-signed certificate as the server's own; so must we.
  const selfSigned = await setup({ certificate: 'self-signed' })
  try {
    const adobe = await callsFor(ADOBE, selfSigned)
    const ours = await callsFor(OURS, selfSigned)
    assert.deepEqual(JSON.parse(ours.stdout), JSON.parse(adobe.stdout))
    const results = JSON.parse(ours.stdout)
    assert.ok(results.filter((result) => 'ok' in result).length >= 30, 'the calls connected')
    assert.equal(results.at(-2).token.type, 'bearer', 'IMS connected too')
  } finally {
    await selfSigned.close()
  }
})
