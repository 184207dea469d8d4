'use strict'

// One scenario of the automatic transport choice, in a fresh process: `node auto-transport.js
// SCENARIO URL` sets up what an app or its test does to the network, runs a persisted query
// against URL (a loopback server that records what reaches it) with a client built with no
// transport option, and prints `{result, error, code}` as JSON. The caller sets the environment
// (a test runner's variables or none).

const SCENARIOS = {
  /** Nothing replaced. */
  plain: async () => {},
  /** nock with net connect disabled and no interceptor: the request must be refused. */
  'nock-disabled': async () => {
    const nock = require('nock')
    nock.disableNetConnect()
  },
  /** nock answering the query. */
  'nock-answers': async (url) => {
    const nock = require('nock')
    nock.disableNetConnect()
    nock(url).get('/graphql/execute.json/wknd/by-nock').reply(200, { data: { from: 'nock' } })
  },
  /** msw's server answering the query; unhandled requests are errors. */
  msw: async (url) => {
    const { setupServer } = require('msw/node')
    const { http, HttpResponse } = require('msw')
    const server = setupServer(http.get(`${url}/graphql/execute.json/wknd/by-msw`, () => HttpResponse.json({ data: { from: 'msw' } })))
    server.listen({ onUnhandledRequest: 'error' })
  },
  /** undici's MockAgent as the global dispatcher. */
  'mock-agent': async (url) => {
    const { MockAgent, setGlobalDispatcher } = require('undici')
    const agent = new MockAgent()
    agent.disableNetConnect()
    agent.get(url).intercept({ path: '/graphql/execute.json/wknd/by-mock-agent' }).reply(200, { data: { from: 'mock-agent' } }, { headers: { 'content-type': 'application/json' } })
    setGlobalDispatcher(agent)
  },
  /** globalThis.fetch replaced, as jest-fetch-mock does. */
  'fetch-replaced': async () => {
    const original = globalThis.fetch
    globalThis.fetch = async (input, init) => {
      if (String(input).endsWith('/by-fetch-double')) return new Response(JSON.stringify({ data: { from: 'fetch-double' } }), { headers: { 'content-type': 'application/json' } })
      return original(input, init)
    }
  },
  /** http.request wrapped by an observer that calls through (shimmer, as OpenTelemetry does). */
  'observed-http': async () => {
    const http = require('node:http')
    const https = require('node:https')
    for (const module of [http, https]) {
      const original = module.request
      const wrapped = function request (...args) { return original.apply(this, args) }
      wrapped.__wrapped = true
      wrapped.__original = original
      module.request = wrapped
    }
  }
}

async function main (scenario, url, path) {
  await SCENARIOS[scenario](url)
  const AEMHeadless = require('../..')
  const client = new AEMHeadless({ serviceURL: url, auth: 'test-token' })
  try {
    const result = await client.runPersistedQuery(path, {}, {}, { maxRetries: 0 })
    return { result }
  } catch (error) {
    return { error: error.message, code: error.code }
  }
}

module.exports = { SCENARIOS }

if (require.main === module) {
  const [scenario, url, path] = process.argv.slice(2)
  main(scenario, url, path).then((out) => process.stdout.write(JSON.stringify(out)), (error) => {
    process.stderr.write(`${error.stack}\n`)
    process.exit(1)
  })
}
