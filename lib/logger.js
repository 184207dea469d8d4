'use strict'

// Logging, off by default. A `logger` option receives structured events; without one,
// `AEM_HEADLESS_LOG` (or Adobe's `LOG_LEVEL`) set to error, warn, info or debug writes them to
// stderr as JSON lines. Events are built field by field from an allowlist: no header, body,
// token, key or secret ever goes into one.

const { sdkError } = require('./errors')
const { redactUrl } = require('../binding.js')

/** The levels, most severe first. */
const LEVELS = ['error', 'warn', 'info', 'debug']

/**
 * A `log(level, event)` function for a `logger` option, or `null` when nothing is to be
 * logged.
 * - a function receives `{level, ...event}`;
 * - an object (console, pino, winston…) has its method of that level called with the event;
 * - `false` turns logging off, whatever the environment says;
 * - absent: the environment decides.
 * @param {unknown} logger
 * @returns {((level: string, event: object) => void) | null}
 */
function resolveLogger (logger) {
  if (logger === false) return null
  if (typeof logger === 'function') return (level, event) => safely(() => logger({ level, ...event }))
  if (logger !== undefined && logger !== null) {
    if (typeof logger !== 'object' || !LEVELS.some((level) => typeof logger[level] === 'function')) {
      throw sdkError('INVALID_PARAM', 'logger must be a function, an object with error/warn/info/debug methods, or false')
    }
    return (level, event) => {
      const method = typeof logger[level] === 'function' ? logger[level] : logger.info
      if (typeof method === 'function') safely(() => method.call(logger, event))
    }
  }
  return environmentLogger()
}

/** The stderr logger the environment asks for, or null. Read once per client. */
function environmentLogger () {
  const wanted = String(process.env.AEM_HEADLESS_LOG || process.env.LOG_LEVEL || '').trim().toLowerCase()
  const threshold = LEVELS.indexOf(wanted)
  if (threshold < 0) return null
  return (level, event) => {
    if (LEVELS.indexOf(level) > threshold) return
    const line = { time: new Date().toISOString(), level, name: 'aem-headless-rs', ...event }
    safely(() => process.stderr.write(`${JSON.stringify(line)}\n`))
  }
}

/** Runs a logger call; a logger that throws never breaks a request. */
function safely (call) {
  try {
    call()
  } catch {}
}

/**
 * The event of a finished request: `method`, `url` (redacted: src/http/redact.rs), `durationMs`, and `status`, `attempts`,
 * `cached` and `stale` (why a stale cached answer was served, if one was) on success; `status`
 * (if a response arrived), `attempts`, `code` and `message` (which hold no secret) on failure.
 */
function requestEvent (method, url, startedAt, outcome) {
  const event = { event: 'request', method, url: redactUrl(url), durationMs: round(performance.now() - startedAt) }
  if (outcome.error === undefined) {
    event.status = outcome.status
    event.attempts = outcome.attempts
    event.cached = outcome.cached
    if (outcome.stale !== undefined) event.stale = outcome.stale
  } else {
    const { code, message, sdkDetails = {} } = outcome.error
    if (sdkDetails.status !== undefined) event.status = sdkDetails.status
    if (sdkDetails.attempts !== undefined) event.attempts = sdkDetails.attempts
    event.code = code
    event.message = message
  }
  return event
}

const round = (ms) => Math.round(ms * 1000) / 1000

module.exports = { resolveLogger, requestEvent, round }
