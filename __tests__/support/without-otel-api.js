'use strict'

// Runs the package as in an app without `@opentelemetry/api` installed (the optional peer
// dependency): resolving it fails as it would, for the package and for anything else. Makes one
// call with a request-channel subscriber and prints what it saw.
//
//   node without-otel-api.js SERVICE_URL AUTH CA_FILE

const Module = require('node:module')
const fs = require('node:fs')
const diagnostics = require('node:diagnostics_channel')

const resolve = Module._resolveFilename
Module._resolveFilename = function (request, ...rest) {
  if (request === '@opentelemetry/api' || request.startsWith('@opentelemetry/api/')) {
    const error = new Error(`Cannot find module '${request}'`)
    error.code = 'MODULE_NOT_FOUND'
    throw error
  }
  return resolve.call(this, request, ...rest)
}

const AEMHeadless = require('../..')

const [serviceURL, auth, caFile] = process.argv.slice(2)
const events = []
diagnostics.tracingChannel('aem-headless-rs:request').subscribe({
  start: () => events.push('start'),
  end: () => events.push('end'),
  asyncStart: () => events.push('asyncStart'),
  asyncEnd: () => events.push('asyncEnd'),
  error: () => events.push('error')
})

async function main () {
  let apiLoadable = true
  try { require('@opentelemetry/api') } catch { apiLoadable = false }
  const aem = new AEMHeadless({ serviceURL, auth, ca: fs.readFileSync(caFile, 'utf8') })
  const { data } = await aem.runPersistedQuery('wknd-shared/adventures-all')
  process.stdout.write(JSON.stringify({ apiLoadable, items: data.adventureList.items.length, events }))
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
