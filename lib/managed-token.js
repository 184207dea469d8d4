'use strict'

// The managed token of a call, for every request of a client (its GraphQL calls, `request()`,
// `paginate` and `authFetch`): waited for within the call's timeout and signal, and when AEM's own
// origin refuses it (a 401), invalidated and asked for once more, for one more send. The only
// place either happens.

const { AEMHeadlessError, sdkError } = require('./errors')
const { TokenProvider, FRESH_TOKEN } = require('./token-provider')
const { onAbort } = require('./abort')

/**
 * Runs `send` with the managed token of `provider`, within one deadline for the whole call (the
 * token waits, the request, and the request once more after a 401).
 * @template T
 * @param {{getAccessToken(): Promise<{accessToken: string}>, invalidate?(token?: string): void}} provider
 * @param {object} call
 * @param {AbortSignal | undefined} call.signal the call's signal
 * @param {number} call.timeout the call's timeout in milliseconds
 * @param {{serviceURL: string, endpoint: string}} call.base what the call's errors say of it
 * @param {boolean} call.canResend whether the request can be sent again (a streamed body cannot)
 * @param {((level: string, event: object) => void) | null} call.log
 * @param {string} call.url where the request goes, for the log (redacted)
 * @param {(token: string, timeoutMs: number, first?: {value?: T, error?: unknown}) => Promise<T>} send
 *   sends the request with `token` within `timeoutMs`; `first` is the refused send's outcome when
 *   this is the second
 * @param {(outcome: {value?: T, error?: unknown}) => boolean} refused whether AEM's origin refused
 *   the token in this outcome
 * @param {(value: T) => void} [discard] lets go of a refused answer (its body) before sending again
 * @returns {Promise<T>}
 */
async function withManagedToken (provider, call, send, refused, discard = () => {}) {
  const deadline = Date.now() + call.timeout
  const remaining = () => {
    const left = deadline - Date.now()
    if (left <= 0) throw sdkError('REQUEST_ERROR', `the request timed out after ${call.timeout} ms`, { ...call.base, timeout: true })
    return left
  }
  // A cached token is taken at once, so that the request starts before this returns (an app's
  // fetch is called synchronously, as with Adobe's client).
  const cached = provider instanceof TokenProvider ? provider[FRESH_TOKEN]() : null
  const first = cached !== null ? cached : await tokenWithin(provider, { signal: call.signal, timeout: remaining() }, call.base)
  let outcome
  try {
    outcome = { value: await send(first, remaining()) }
  } catch (error) {
    outcome = { error }
  }
  if (!refused(outcome) || !call.canResend || (call.signal && call.signal.aborted)) {
    if ('error' in outcome) throw outcome.error
    return outcome.value
  }
  if ('value' in outcome) discard(outcome.value)
  if (call.log !== null) call.log('info', { event: 'token-rejected', url: call.url, action: 'a new token, and the request once more' })
  if (typeof provider.invalidate === 'function') provider.invalidate(first)
  const second = await tokenWithin(provider, { signal: call.signal, timeout: remaining() }, call.base)
  return send(second, remaining(), outcome)
}

/**
 * A token from `provider`, within `timeout` milliseconds and the `signal`: a token request that
 * hangs does not hang the call. Rejects with REQUEST_ERROR on a timeout or an abort, and with
 * EXCHANGE_TOKEN_ERROR when the provider fails or gives no token.
 * @param {{getAccessToken(): Promise<{accessToken: string}>}} provider
 * @param {{signal?: AbortSignal, timeout: number}} bounds
 * @param {{serviceURL: string, endpoint: string}} base
 * @returns {Promise<string>}
 */
async function tokenWithin (provider, { signal, timeout }, base) {
  if (signal && signal.aborted) throw aborted(signal, base)
  let timer
  let stopListening
  const stop = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(sdkError('REQUEST_ERROR', `the request timed out after ${timeout} ms waiting for an access token`, { ...base, timeout: true })), timeout)
    if (signal) stopListening = onAbort(signal, () => reject(aborted(signal, base)))
  })
  try {
    const { accessToken } = await Promise.race([provider.getAccessToken(), stop])
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw sdkError('EXCHANGE_TOKEN_ERROR', 'the token provider gave no access token', base)
    }
    return accessToken
  } catch (error) {
    if (error instanceof AEMHeadlessError) throw error
    throw sdkError('EXCHANGE_TOKEN_ERROR', 'the token provider failed', base, error)
  } finally {
    clearTimeout(timer)
    if (stopListening) stopListening()
  }
}

/** The error for a call cancelled by its AbortSignal: REQUEST_ERROR, with the reason as cause. */
function aborted (signal, sdkDetails, wording = 'node-fetch') {
  return sdkError('REQUEST_ERROR', wording === 'node-fetch' ? 'The user aborted a request.' : 'This operation was aborted', sdkDetails, signal.reason)
}

module.exports = { withManagedToken, tokenWithin, aborted }
