#!/usr/bin/env node
'use strict'

/**
 * Runs the emulator standalone:
 *   node emulator/cli.js [--port N] [--out DIR]
 * Writes the credential files to DIR (default `.emulator/` in the project root), prints one JSON line
 * `{url, imsEndpoint, credentialsFile, devTokenFile, caFile}` and runs until SIGINT or SIGTERM.
 */

const path = require('node:path')
const { parseArgs } = require('node:util')
const { startEmulator } = require('./index')

async function main () {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, out: { type: 'string' } }
  })
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port: ${values.port}`)
  const out = path.resolve(values.out || path.join(__dirname, '..', '.emulator'))
  const emu = await startEmulator({ port })
  const files = emu.writeFiles(out)
  process.stdout.write(JSON.stringify({ url: emu.url, imsEndpoint: emu.imsEndpoint, ...files }) + '\n')
  const stop = () => emu.close().then(() => process.exit(0), () => process.exit(1))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((err) => {
  process.stderr.write(`emulator: ${err.message}\n`)
  process.exit(1)
})
