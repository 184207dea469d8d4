'use strict'

// Starts a throwaway redis-server (Debian's redis-server package) on 127.0.0.1, for tests, and
// decides whether the tests that need one run: they do when redis-server is on PATH; without it
// they are skipped with a notice, but under CI (CI=true) a missing redis-server is an error.

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')

const READY_TIMEOUT_MS = 10000

const INSTALL_HINT = 'install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) and run the tests again'

/** The redis-server executable on PATH, or null. */
function redisServerOnPath () {
  const dirs = (process.env.PATH || '').split(path.delimiter).filter(Boolean)
  for (const file of dirs.map((dir) => path.join(dir, 'redis-server'))) {
    try {
      fs.accessSync(file, fs.constants.X_OK)
      return file
    } catch {}
  }
  return null
}

/** The redis-server executable on PATH; throws when there is none. */
function findRedisServer () {
  const file = redisServerOnPath()
  if (!file) throw new Error(`redis-server is not on PATH: ${INSTALL_HINT}`)
  return file
}

/**
 * The `skip` option for tests that need a redis-server: false when one is on PATH, else the
 * notice that node:test prints next to each skipped test. Under CI (CI set and not "false" or
 * "0") a missing redis-server throws instead, which fails the test file.
 * @returns {false | string}
 */
function skipWithoutRedis () {
  if (redisServerOnPath()) return false
  const ci = process.env.CI
  if (ci && ci !== 'false' && ci !== '0') {
    throw new Error(`CI is set and redis-server is not on PATH, so the Redis tests cannot run: ${INSTALL_HINT}`)
  }
  const notice = `redis-server is not on PATH: ${INSTALL_HINT}`
  process.emitWarning(`the Redis tests are skipped: ${notice}`)
  return notice
}

/** A port that was free a moment ago on 127.0.0.1. */
function freePort () {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Resolves true when a TCP connection to the port answers PING with +PONG, false otherwise. */
function ping (port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    let answer = ''
    const done = (ok) => { socket.destroy(); resolve(ok) }
    socket.setTimeout(1000, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1')
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'))
    })
  })
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Starts redis-server on `port` and resolves once it answers PING; rejects if it exits first. */
async function startOn (executable, port) {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--daemonize', 'no', '--dir', os.tmpdir()]
  const child = spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk) => { output += chunk })
  child.stderr.on('data', (chunk) => { output += chunk })
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  let exit = null
  exited.then((status) => { exit = status })
  const spawnError = new Promise((resolve) => child.once('error', resolve))
  let failure = null
  spawnError.then((err) => { failure = err })

  const deadline = Date.now() + READY_TIMEOUT_MS
  while (!exit && !failure && Date.now() < deadline) {
    if (await ping(port)) {
      return {
        port,
        url: `redis://127.0.0.1:${port}`,
        async stop () {
          if (!exit) {
            child.kill('SIGTERM')
            await exited
          }
        }
      }
    }
    await sleep(50)
  }
  if (!exit && !failure) {
    child.kill('SIGKILL')
    await exited
  }
  const reason = failure ? failure.message : exit ? `exited (${exit.code ?? exit.signal})` : 'did not answer PING within 10 s'
  throw new Error(`redis-server on port ${port} ${reason}: ${output.trim().slice(-2000)}`)
}

/**
 * Starts a redis-server on 127.0.0.1 on a free port, without persistence, and waits until it
 * answers PING (at most about 10 s).
 * @returns {Promise<{port: number, url: string, stop: () => Promise<void>}>} `stop` kills the
 *   server and resolves when it has exited
 */
async function startRedis () {
  const executable = findRedisServer()
  let lastError
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOn(executable, await freePort())
    } catch (err) {
      lastError = err // most likely the port was taken in between: try another one
    }
  }
  throw lastError
}

module.exports = { startRedis, skipWithoutRedis }
