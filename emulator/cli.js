#!/usr/bin/env node
'use strict'

/**
 * Runs the emulator standalone, as `aem-headless-rs emulator` or `node emulator/cli.js`:
 *   [--port N] [--out DIR] [--queries FILE] [--fixtures DIR]
 * Loads the app's content (`--fixtures`: see emulator/fixtures.js; `--queries`: a JSON object of
 * persisted queries, `{"conf/name": "query text" | persist.json body}`), writes the credential files to
 * DIR (default `.emulator/` in the current directory), prints one JSON line
 * `{url, imsEndpoint, credentialsFile, devTokenFile, caFile}` and runs until SIGINT or SIGTERM.
 */

const path = require('node:path')
const { parseArgs } = require('node:util')

/** A mistake in the arguments (code `EMULATOR_USAGE`). */
function usageError (message) {
  return Object.assign(new Error(message), { code: 'EMULATOR_USAGE' })
}

/**
 * Starts the emulator from command-line arguments, prints its JSON line on stdout, and closes it
 * (then exits) on SIGINT or SIGTERM.
 * @param {string[]} argv the arguments after the command
 * @returns {Promise<void>} resolves once it listens; rejects with code `EMULATOR_USAGE` for wrong
 *   arguments, `EMULATOR_DEPENDENCIES_MISSING` without its dependencies, or the failure to start
 */
async function runEmulatorCli (argv) {
  let values
  try {
    values = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '0' },
        out: { type: 'string' },
        queries: { type: 'string' },
        fixtures: { type: 'string' }
      }
    }).values
  } catch (error) {
    throw usageError(error.message)
  }
  const port = Number(values.port)
  if (!/^\d+$/.test(values.port) || port > 65535) throw usageError(`invalid --port: ${values.port}`)
  const { startEmulator } = require('./index')
  const { readFixtures, readJson } = require('./fixtures')
  const load = values.fixtures ? readFixtures(path.resolve(values.fixtures)) : {}
  if (values.queries) load.persistedQueries = { ...load.persistedQueries, ...readJson(path.resolve(values.queries)) }
  const emu = await startEmulator({ port, load })
  const files = emu.writeFiles(path.resolve(values.out || '.emulator'))
  process.stdout.write(JSON.stringify({ url: emu.url, imsEndpoint: emu.imsEndpoint, ...files }) + '\n')
  const stop = () => emu.close().then(() => process.exit(0), () => process.exit(1))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

if (require.main === module) {
  runEmulatorCli(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`emulator: ${err.message}\n`)
    process.exit(err.code === 'EMULATOR_USAGE' ? 2 : 1)
  })
}

module.exports = { runEmulatorCli }
