'use strict'

/**
 * A preload module (`node --require ./emulator/redirect-443.js app.js`) that sends a process's
 * TCP connections for port 443 on loopback to the emulator's port, given in the environment
 * variable `AEM_EMULATOR_PORT`. It lets clients that always call IMS on port 443, such as Adobe's
 * `getToken(file)` (`https.request({ hostname: imsEndpoint, path })`), reach an emulator started
 * on any port, without root:
 *
 * - a connection to `127.0.0.1:443`, `localhost:443` or `::1` port 443 goes to `127.0.0.1:PORT`;
 * - a host that already names the emulator's port (`127.0.0.1:PORT`, what the emulator's
 *   credentials say as `imsEndpoint`, which `https.request` takes whole as the host name and pairs
 *   with port 443) goes there too.
 *
 * TLS is unchanged: the server name and certificate checks see the host the client asked for.
 * Other hosts and ports are left alone. Native code (such as this package's Rust core) does not
 * go through `node:net` and is not affected.
 * @module emulator/redirect-443
 */

const net = require('node:net')

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

/** The emulator's port from AEM_EMULATOR_PORT; throws unless it is a TCP port number. */
function emulatorPort () {
  const text = process.env.AEM_EMULATOR_PORT
  const port = Number(text)
  if (!/^\d+$/.test(text || '') || port < 1 || port > 65535) {
    throw new Error(`redirect-443: AEM_EMULATOR_PORT must be the emulator's TCP port, got ${JSON.stringify(text)}`)
  }
  return port
}

const PORT = emulatorPort()

/** Rewrites `options` in place when it is a loopback connection for port 443. */
function redirect (options) {
  if (!options || typeof options !== 'object' || options.path != null) return // a pipe, not TCP
  if (Number(options.port) !== 443) return
  const host = options.host === undefined ? 'localhost' : String(options.host)
  const named = host.match(/^(127\.0\.0\.1|localhost):(\d+)$/)
  if (LOOPBACK.has(host) || (named && Number(named[2]) === PORT)) {
    options.host = '127.0.0.1'
    options.port = PORT
  }
}

const connect = net.Socket.prototype.connect
net.Socket.prototype.connect = function connectRedirected (...args) {
  // net.connect() hands over [options, callback] as one array; tls.connect() an options object.
  const options = Array.isArray(args[0]) ? args[0][0] : args[0]
  if (typeof options === 'object') {
    redirect(options)
  } else if (Number(options) === 443 && (args[1] === undefined || typeof args[1] === 'function' || LOOPBACK.has(String(args[1])))) {
    args[0] = PORT
    if (typeof args[1] === 'string') args[1] = '127.0.0.1'
  }
  return connect.apply(this, args)
}
