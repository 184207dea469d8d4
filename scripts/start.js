#!/usr/bin/env node
// `npm start`: with no arguments, starts the local IMS + AEM emulator, writes throwaway
// credentials for it, and runs the server-to-server example against it.
// `npm start -- AEM_HOST [CREDENTIALS_FILE]` runs the example against a real AEM instead.
'use strict'

const { spawn } = require('node:child_process')
const path = require('node:path')

const root = path.join(__dirname, '..')
const example = path.join(root, 'examples', 'server-to-server.js')

function runExample (args, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [example, ...args], { stdio: 'inherit', env })
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)))
  })
}

async function main () {
  const args = process.argv.slice(2)
  if (args.length > 0) {
    process.exitCode = await runExample(args, process.env)
    return
  }
  const { startEmulator } = require('../emulator')
  const emulator = await startEmulator()
  try {
    const files = emulator.writeFiles(path.join(root, '.emulator'))
    console.error(`emulator: ${emulator.url} (IMS and AEM), credentials: ${path.relative(process.cwd(), files.credentialsFile)}`)
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: files.caFile }
    process.exitCode = await runExample([emulator.url, files.credentialsFile], env)
  } finally {
    await emulator.close()
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
