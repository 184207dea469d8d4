'use strict'

// OpenTelemetry differential test: Adobe's client under @opentelemetry/instrumentation-http and
// ours with its own spans, for the same calls (Adobe's example flow and a failing query), each
// in a process of its own against one emulator. Span names, kinds, methods, URLs, status codes,
// span statuses, server addresses and the parent/child structure must match, so that dashboards
// and alerts built on Adobe's spans keep working. Adobe's client reaches the emulator's IMS on
// port 443 through emulator/redirect-443.js (see wire.test.js).

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { execFile } = require('node:child_process')
const { promisify } = require('node:util')
const { setup } = require('./helpers')

const run = promisify(execFile)
const ADOBE = require.resolve('@adobe/aem-headless-client-nodejs')
const OURS = require.resolve('..')
const RUNNER = path.join(__dirname, 'support', 'otel-calls.js')
const REDIRECT_443 = path.join(__dirname, '..', 'emulator', 'redirect-443.js')

let env
before(async () => { env = await setup() })
after(() => env && env.close())

async function spansOf (module) {
  env.emu.clearRequests()
  const { stdout } = await run(process.execPath, ['--require', REDIRECT_443, RUNNER, module, env.emu.url, env.files.credentialsFile], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: env.files.caFile, AEM_EMULATOR_PORT: String(env.emu.port) }
  })
  return { spans: JSON.parse(stdout), requests: env.emu.requests.slice() }
}

test('our spans match what instrumentation-http records for Adobe\'s client', async () => {
  const adobe = await spansOf(ADOBE)
  const ours = await spansOf(OURS)
  assert.equal(adobe.spans.length, 3, 'IMS exchange, persisted query, failing query')

  const view = ({ errorType, address, port, ...rest }) => rest
  assert.deepEqual(ours.spans.map(view), adobe.spans.map(view))
  for (const span of ours.spans) {
    assert.equal(span.parent, 'app')
    assert.equal(span.traceIsApp, true)
  }
  // Server addresses. Adobe's getToken hands the credentials' imsEndpoint (here `127.0.0.1:PORT`)
  // to https.request as the host name with port 443, so the instrumentation reports that pair;
  // for a real IMS host (`ims-na1.adobelogin.com`) both say the host and 443.
  const [adobeIms, ...adobeAem] = adobe.spans
  const [oursIms, ...oursAem] = ours.spans
  assert.equal(adobeIms.address, `${oursIms.address}:${oursIms.port}`)
  assert.deepEqual(oursAem.map((s) => [s.address, s.port]), adobeAem.map((s) => [s.address, s.port]))
  // Both put a traceparent on every request, naming the span of that request.
  assert.equal(ours.requests.length, adobe.requests.length)
  for (const { requests } of [adobe, ours]) {
    for (const request of requests) assert.match(request.traceparent || '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
  }
  // Ours also says why the failing call failed.
  assert.equal(oursAem[1].errorType, '400')
})
