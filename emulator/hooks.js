'use strict'

/**
 * `useEmulator`: an emulator for the tests of one file (or one `describe` block), started and
 * closed by the test framework's own hooks: jest, vitest and bun (`beforeAll`/`afterAll`), mocha
 * (`before`/`after`), or `node:test`.
 * @module emulator/hooks
 */

/** How long the hooks may take: starting makes four RSA keys (under a second on a laptop). */
const HOOK_TIMEOUT_MS = 30000

/**
 * The hooks of the framework running this file: global `beforeAll`/`afterAll` (jest, vitest with
 * `globals`, bun), else global `before`/`after` (mocha), else those of `node:test`.
 * @returns {{before: (fn: () => Promise<void>) => void, after: (fn: () => Promise<void>) => void}}
 */
function findHooks () {
  const g = globalThis
  if (typeof g.beforeAll === 'function' && typeof g.afterAll === 'function') {
    return { before: (fn) => g.beforeAll(fn, HOOK_TIMEOUT_MS), after: (fn) => g.afterAll(fn, HOOK_TIMEOUT_MS) }
  }
  if (typeof g.before === 'function' && typeof g.after === 'function') {
    const withTimeout = (fn) => function () {
      if (this && typeof this.timeout === 'function') this.timeout(HOOK_TIMEOUT_MS)
      return fn()
    }
    return { before: (fn) => g.before(withTimeout(fn)), after: (fn) => g.after(withTimeout(fn)) }
  }
  const nodeTest = require('node:test')
  return { before: (fn) => nodeTest.before(fn), after: (fn) => nodeTest.after(fn) }
}

/**
 * @typedef {object} TestHooks the hooks to register with, for a framework without globals (vitest's
 *   default): `{beforeAll, afterAll}` as imported from it, or `{before, after}`
 * @property {(fn: () => Promise<void>) => void} [beforeAll]
 * @property {(fn: () => Promise<void>) => void} [afterAll]
 * @property {(fn: () => Promise<void>) => void} [before]
 * @property {(fn: () => Promise<void>) => void} [after]
 */

/**
 * Starts an emulator before the tests of the file (or of the `describe` block it is called in) and
 * closes it after them. Call it at the top level of a test file or in a `describe` callback.
 * The handle it returns is the emulator once started (`url`, `caPem`, `credentials`, `devToken`,
 * `persistQuery`, `fail`, `reset`, …), plus `emulator` (the Emulator itself) and
 * `clientOptions(more)`: `{serviceURL, auth: devToken, ca}` for `new AEMHeadless(…)`, with `more`
 * over it (given `credentials` or `tokenProvider`, no `auth`). Reading it before the emulator started
 * or after it closed throws.
 * @param {import('./index').EmulatorOptions} [options] as for startEmulator (`load` included)
 * @param {TestHooks} [hooks] the framework's hooks; found by themselves for jest, vitest with
 *   `globals`, bun, mocha and node:test
 * @returns {import('./index').Emulator & {emulator: import('./index').Emulator,
 *   clientOptions: (more?: object) => {serviceURL: string, auth?: string, ca: string}}}
 */
function useEmulator (options = {}, hooks = undefined) {
  const { startEmulator } = require('./index')
  const { before, after } = hooks
    ? { before: hooks.beforeAll || hooks.before, after: hooks.afterAll || hooks.after }
    : findHooks()
  if (typeof before !== 'function' || typeof after !== 'function') {
    throw new TypeError('useEmulator(options, hooks): hooks are {beforeAll, afterAll} or {before, after}, as the test framework exports them')
  }
  let emulator = null
  let state = 'not started yet: read it inside a test or a hook'
  before(async () => {
    emulator = await startEmulator(options)
  })
  after(async () => {
    const closing = emulator
    emulator = null
    state = 'closed: its tests are over'
    if (closing) await closing.close()
  })

  const started = (what) => {
    if (!emulator) throw new Error(`useEmulator: ${String(what)} was read while the emulator is ${state}`)
    return emulator
  }
  const own = {
    get emulator () { return started('emulator') },
    clientOptions (more = {}) {
      const emu = started('clientOptions()')
      const auth = 'credentials' in more || 'tokenProvider' in more ? {} : { auth: emu.devToken.accessToken }
      return { serviceURL: emu.url, ca: emu.caPem, ...auth, ...more }
    }
  }
  // Everything else is the started emulator's; `then` and symbols stay undefined before the start,
  // so that the handle is not mistaken for a promise or broken by inspection.
  return new Proxy(own, {
    get (target, key) {
      if (key in target) return target[key]
      if (typeof key === 'symbol' || key === 'then') return emulator ? emulator[key] : undefined
      return started(key)[key]
    }
  })
}

module.exports = { useEmulator }
