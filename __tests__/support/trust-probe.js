'use strict'

// One process of the trust differential test: for each step, sets or unsets
// NODE_TLS_REJECT_UNAUTHORIZED, then asks, for each `ca` variant, whether Node's https.get and a
// client of this package built now accept the server's certificate. Prints the outcomes as JSON.
//
//   node trust-probe.js URL STEPS_JSON CAS_JSON
//   STEPS_JSON: ["unset", "0", …]; CAS_JSON: {"name": "PEM" | null, …}

const https = require('node:https')
const AEMHeadless = require('../..')

const [url, stepsJson, casJson] = process.argv.slice(2)
const steps = JSON.parse(stepsJson)
const cas = JSON.parse(casJson)
process.on('warning', () => {})

/** Whether Node's https.get completes a TLS handshake with the server (any HTTP answer). */
function nodeAccepts (ca) {
  return new Promise((resolve) => {
    const request = https.get(`${url}/graphql/list.json`, { agent: false, ...(ca ? { ca } : {}) }, (response) => {
      response.resume()
      resolve(true)
    })
    request.on('error', () => resolve(false))
  })
}

/** Whether a client built now completes one: any answer but a refused certificate. */
async function oursAccepts (ca) {
  const aem = new AEMHeadless({ serviceURL: url, auth: 'probe', retries: { maxRetries: 0 }, ...(ca ? { ca } : {}) })
  try {
    await aem.listPersistedQueries()
    return true
  } catch (error) {
    if (error.code !== 'REQUEST_ERROR') return true
    if (/certificate|trust/i.test(error.message)) return false
    throw error
  }
}

async function main () {
  const outcomes = []
  for (const step of steps) {
    if (step === 'unset') delete process.env.NODE_TLS_REJECT_UNAUTHORIZED
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = step
    for (const [name, ca] of Object.entries(cas)) {
      outcomes.push({ step, ca: name, node: await nodeAccepts(ca), ours: await oursAccepts(ca) })
    }
  }
  process.stdout.write(JSON.stringify(outcomes))
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
