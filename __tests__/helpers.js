'use strict'

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const assert = require('node:assert/strict')
const { startEmulator } = require('../emulator')

/**
 * Starts an emulator and writes its throwaway files into a fresh temporary folder.
 * @param {object} [options] startEmulator options
 */
async function setup (options = {}) {
  const emu = await startEmulator(options)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aem-headless-rs-'))
  const files = emu.writeFiles(dir)
  return {
    emu,
    dir,
    files,
    async close () {
      await emu.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** Writes `content` (JSON unless a string) to `name` in `dir` and returns its path. */
function writeJson (dir, name, content) {
  const file = path.join(dir, name)
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content))
  return file
}

/**
 * Awaits `promise`, asserts it rejects with an AEMHeadlessError of `code`, and returns the error.
 */
async function rejectsWith (promise, code) {
  let error
  try {
    await promise
  } catch (e) {
    error = e
  }
  assert.ok(error, `expected a ${code} rejection, but the call resolved`)
  assert.equal(error.name, 'AEMHeadlessError', String(error && error.stack))
  assert.equal(error.code, code, error.message)
  assert.equal(error.sdk, 'AEMHeadless')
  assert.ok(error.message.startsWith(`[AEMHeadless:${code}] `), error.message)
  return error
}

/** The secrets of an emulator's credentials, none of which may ever show in an error. */
function secretsOf (emu) {
  const integration = emu.credentials.integration
  const keyBody = integration.privateKey.split(/\r?\n/).filter((l) => l && !l.startsWith('-----'))
  return [integration.technicalAccount.clientSecret, emu.devToken.accessToken, ...keyBody.slice(0, 3)]
}

/** Asserts that neither the error's message, stack, toJSON(), JSON.stringify nor inspection holds a secret. */
function assertNoSecret (error, secrets) {
  const util = require('node:util')
  const texts = [error.message, error.stack, JSON.stringify(error.toJSON()), JSON.stringify(error), util.inspect(error, { depth: 10 })]
  for (const secret of secrets) {
    for (const text of texts) assert.ok(!text.includes(secret), `a secret leaked into: ${text.slice(0, 200)}`)
  }
}

/** Form fields of an `application/x-www-form-urlencoded` body. */
function formFields (body) {
  return Object.fromEntries(new URLSearchParams(body))
}

/**
 * A TCP port on loopback that accepts connections and never answers: TLS handshakes and
 * requests to it hang until the client gives up.
 */
async function silentServer () {
  const net = require('node:net')
  const sockets = new Set()
  const server = net.createServer((socket) => sockets.add(socket))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: server.address().port,
    url: `https://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(resolve) })
  }
}

/**
 * Waits until `check()` holds, asking it every 20 ms for at most `limitMs`, and fails the test
 * otherwise. `check` may change things (a call that refetches): it is called once per try.
 * @param {() => boolean | Promise<boolean>} check
 * @param {number} [limitMs]
 */
async function eventually (check, limitMs = 3000) {
  const deadline = Date.now() + limitMs
  let held = await check()
  while (!held && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    held = await check()
  }
  assert.ok(held, `not within ${limitMs} ms`)
}

module.exports = { setup, writeJson, rejectsWith, secretsOf, assertNoSecret, formFields, silentServer, eventually }
