'use strict'

/**
 * Adobe I/O Events as a webhook receives AEM's events: CloudEvents 1.0 (`aem.sites.*` types, a
 * `source` of `acct:aem-p<program>-e<environment>@adobe.com`, the integration's client id as
 * `recipientclientid`), signed twice with RSA-SHA256 over the raw body
 * (`x-adobe-digital-signature-1/2`), with the public keys' paths in `x-adobe-public-key1/2-path`.
 * The keys are served at those paths under the emulator's URL, as static.adobeioevents.com serves
 * them (`publicKeyOrigin`). `deliver` POSTs as I/O Events does: one event or a batch, with
 * `x-adobe-retry-count` on a retry; its options make the faults real deliveries have (a bad
 * signature, one key only, an unknown key). `challenge` is the registration's handshake.
 * `subscribe` registers a webhook for the events content changes `emit` (emulator/publishing.js),
 * delivered with I/O Events' retries, and with duplicates, reordering and drops when asked.
 * The journal (`journalUrl`) is I/O Events' Journaling API over the events `record` put in it:
 * `since`, `limit`, `latest=true` (the end: 204 and a `next` link from there), `Link` headers (relative, one per relation), 204 with
 * `retry-after` at the end, and 410 Gone for a position past retention (`expireJournal`). It
 * takes the integration's token, `x-api-key` and `x-ims-org-id`, as I/O Events does.
 * @module emulator/events
 */

const crypto = require('node:crypto')
const { createRsaKeyPair } = require('./tls')

const KEY_DIR = '/prod/keys/'
const JOURNAL_PATH = '/events/organizations/emulator-consumer/integrations/emulator-integration/emulator-registration'
const MAX_LIMIT = 100
const DELIVERY_TIMEOUT_MS = 10000
/** The longest wait between retries (I/O Events waits 15 minutes at most; the emulator, a minute). */
const MAX_RETRY_WAIT_MS = 60000

/**
 * @param {{baseUrl: string, recipient: string, org: string, tokens: {isValid(token: string): boolean}, source?: string}} options
 */
async function createEvents ({ baseUrl, recipient, org, tokens, source = 'acct:aem-p12345-e67890@adobe.com' }) {
  const pairs = await Promise.all([createRsaKeyPair(), createRsaKeyPair()])
  const keys = pairs.map((pair, i) => ({
    path: `${KEY_DIR}pub-key-emulator${i + 1}-${crypto.randomBytes(4).toString('hex')}.pem`,
    publicKey: pair.publicKey,
    privateKey: pair.privateKey
  }))
  let sequence = 0
  /** The journal: `{n, event}` in order, the first number kept, and the pause a 204 asks for. */
  const journal = { entries: [], next: 1, oldest: 1, retryAfter: 1 }
  const positionOf = (n) => Buffer.from(`emulator-position:${n}`).toString('base64url')
  const numberOf = (position) => {
    const match = /^emulator-position:(\d+)$/.exec(Buffer.from(String(position), 'base64url').toString())
    return match ? Number(match[1]) : null
  }

  /** Answers GET of a key path or of the journal; false for any other request. */
  function handle (req, res) {
    if (req.method === 'GET' && req.url.split('?')[0] === JOURNAL_PATH) {
      answerJournal(req, res)
      return true
    }
    if (req.method !== 'GET' || !req.url.startsWith(KEY_DIR)) return false
    const key = keys.find((k) => k.path === req.url)
    res.writeHead(key ? 200 : 404, { 'content-type': key ? 'application/x-pem-file' : 'text/plain' })
    res.end(key ? key.publicKey : 'Not Found')
    return true
  }

  function answerJournal (req, res) {
    const json = (status, value, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers })
      res.end(value === undefined ? undefined : JSON.stringify(value))
    }
    const [scheme, token] = String(req.headers.authorization || '').split(' ')
    if (!/^bearer$/i.test(scheme) || !tokens.isValid(token)) return json(401, { error_code: '401013', message: 'Oauth token is not valid' })
    if (req.headers['x-api-key'] !== recipient) return json(403, { error_code: '403003', message: 'Api Key is invalid' })
    if (req.headers['x-ims-org-id'] !== org) return json(403, { error_code: '403027', message: 'User is not a member of the IMS org' })
    const query = new URL(req.url, baseUrl).searchParams
    const limit = Math.min(MAX_LIMIT, Math.max(1, Number(query.get('limit')) || 10))
    const link = (params) => `<${JOURNAL_PATH}?${new URLSearchParams(params)}>`
    const links = (since) => [
      `${link({ since, limit })}; rel="next"`,
      `${link({ latest: 'true' })}; rel="latest"`,
      `${link({ seek: '-PT1H', limit })}; rel="seek"`,
      `${link({})}; rel="page"`
    ].join(', ')
    let from
    if (query.has('since')) {
      const n = numberOf(query.get('since'))
      if (n === null) return json(400, { message: 'Invalid position' })
      // Past retention: events after it were dropped.
      if (n + 1 < journal.oldest) return json(410, { message: 'The position is past the retention period of the journal' })
      from = n + 1
    } else if (query.get('latest') === 'true') {
      // The end: no event, and a `next` link from there, as I/O Events answers.
      from = journal.next
    } else {
      from = journal.oldest
    }
    const page = journal.entries.filter((entry) => entry.n >= from).slice(0, limit)
    if (page.length === 0) {
      return json(204, undefined, { 'retry-after': String(journal.retryAfter), link: links(positionOf(Math.max(from - 1, 0))) })
    }
    const last = positionOf(page[page.length - 1].n)
    json(200, { events: page.map((entry) => ({ position: positionOf(entry.n), event: entry.event })), _page: { last, count: page.length } }, { link: links(last) })
  }

  /** Puts events in the journal (I/O Events journals every event of the registration). */
  function record (events) {
    for (const event of Array.isArray(events) ? events : [events]) journal.entries.push({ n: journal.next++, event })
  }

  /** Drops every event journaled so far, as retention does: a position among them answers 410. */
  function expireJournal () {
    journal.entries = []
    journal.oldest = journal.next
  }

  /** A CloudEvent of `type` (`aem.sites.contentFragment.modified`, …) with `data`. */
  function event (type, data, overrides = {}) {
    sequence += 1
    return {
      specversion: '1.0',
      id: `emulator-event-${Date.now()}-${sequence}`,
      source,
      type,
      datacontenttype: 'application/json',
      time: new Date().toISOString(),
      recipientclientid: recipient,
      data,
      ...overrides
    }
  }

  /**
   * The headers I/O Events signs `body` with. `fault`: 'bad-signature' (both signatures over
   * other bytes), 'bad-first' (the first over other bytes, the second right), 'one-key' (the
   * second signature only), 'unknown-key' (key paths that answer 404).
   */
  function signatureHeaders (body, fault = null) {
    const other = Buffer.concat([Buffer.from(body), Buffer.from(' ')])
    const headers = {}
    keys.forEach((key, i) => {
      if (fault === 'one-key' && i === 0) return
      const signed = fault === 'bad-signature' || (fault === 'bad-first' && i === 0) ? other : Buffer.from(body)
      headers[`x-adobe-digital-signature-${i + 1}`] = crypto.sign('sha256', signed, key.privateKey).toString('base64')
      headers[`x-adobe-public-key${i + 1}-path`] = fault === 'unknown-key' ? `${KEY_DIR}pub-key-unknown${i + 1}.pem` : key.path
    })
    return headers
  }

  /**
   * POSTs `events` (one, or an array as a batch) to `url`, signed; resolves with the status and
   * the body of the answer.
   * @param {string} url the webhook
   * @param {object | object[]} events
   * @param {{fault?: string, retryCount?: number}} [options]
   */
  async function deliver (url, events, { fault = null, retryCount = 0 } = {}) {
    const body = JSON.stringify(events)
    const headers = { 'content-type': 'application/cloudevents+json', 'user-agent': 'Adobe/1.0', ...signatureHeaders(body, fault) }
    if (retryCount > 0) headers['x-adobe-retry-count'] = String(retryCount)
    // I/O Events waits 10 seconds for an answer.
    const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) })
    return { status: response.status, body: await response.text() }
  }

  /** The registration's handshake: resolves with the status and body of `GET url?challenge=…`, and the challenge sent. */
  async function challenge (url) {
    const sent = crypto.randomBytes(8).toString('hex')
    const target = new URL(url)
    target.searchParams.set('challenge', sent)
    const response = await fetch(target)
    return { status: response.status, body: await response.text(), challenge: sent }
  }

  /** The webhooks subscribed (`subscribe`), each with its faults and its deliveries. */
  const subscriptions = new Set()

  /**
   * Subscribes a webhook to the events `emit` sends (as AEM's content changes do), as I/O Events
   * delivers them: one event per POST (a batch with `batch`), signed, and retried while the
   * webhook answers other than 2xx or cannot be reached, `retryMs` later and doubling, with
   * `x-adobe-retry-count`, `retries` times at most (I/O Events waits a minute, then doubles up to
   * 15 minutes, for 24 hours). Faults that real delivery has: `duplicate` (each delivery once
   * more, as a retry), `reorder` (the events of one change delivered last first), `drop` (the
   * next that many events never delivered; the journal still has them).
   * @param {string} url the webhook
   * @param {{batch?: boolean, retries?: number, retryMs?: number, duplicate?: boolean, reorder?: boolean, drop?: number}} [options]
   * @returns {{url: string, deliveries: Array<{ids: string[], status: number | null, retryCount: number}>,
   *   idle(): Promise<void>, drop(count: number): void, unsubscribe(): void}}
   */
  function subscribe (url, options = {}) {
    const { batch = false, retries = 3, retryMs = 200, duplicate = false, reorder = false, drop = 0 } = options
    if (!(Number.isInteger(retries) && retries >= 0 && retries <= 20)) throw new RangeError('subscribe: retries is a whole number from 0 to 20')
    if (!(Number.isFinite(retryMs) && retryMs >= 0 && retryMs <= 60000)) throw new RangeError('subscribe: retryMs is a number of milliseconds from 0 to 60000')
    const count = (n, what) => {
      if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`${what}: a whole number of events, 0 or more`)
      return n
    }
    let dropping = count(drop, 'subscribe: drop')
    let queue = Promise.resolve()
    const subscription = {
      url,
      deliveries: [],
      idle: () => queue,
      drop (n) { dropping += count(n, 'drop') },
      unsubscribe () { subscriptions.delete(subscription) },
      /** Delivers the events of one change, one after the other. */
      send (events) {
        const ordered = reorder ? [...events].reverse() : events
        const kept = []
        for (const one of ordered) {
          if (dropping > 0) dropping -= 1
          else kept.push(one)
        }
        const posts = batch ? (kept.length > 0 ? [kept] : []) : kept
        for (const post of posts) {
          queue = queue.then(() => attempt(post)).then(() => duplicate && attempt(post, 1)).catch(() => {})
        }
      }
    }
    async function attempt (events, retryCount = 0) {
      let status = null
      try {
        status = (await deliver(url, events, { retryCount })).status
      } catch {}
      const ids = (Array.isArray(events) ? events : [events]).map((one) => one.id)
      subscription.deliveries.push({ ids, status, retryCount })
      if ((status === null || status < 200 || status > 299) && retryCount < retries) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(retryMs * 2 ** retryCount, MAX_RETRY_WAIT_MS)).unref())
        await attempt(events, retryCount + 1)
      }
    }
    subscriptions.add(subscription)
    return subscription
  }

  /** What I/O Events does with the events of one content change: journals them and delivers them to every webhook subscribed. */
  function emit (events) {
    const list = Array.isArray(events) ? events : [events]
    record(list)
    for (const subscription of subscriptions) subscription.send(list)
  }

  return {
    handle,
    event,
    deliver,
    subscribe,
    emit,
    /** Ends every subscription (the emulator's `reset`). */
    unsubscribeAll () { subscriptions.clear() },
    challenge,
    signatureHeaders,
    record,
    expireJournal,
    setJournalRetryAfter (seconds) { journal.retryAfter = seconds },
    source,
    recipient,
    org,
    publicKeyOrigin: baseUrl,
    journalUrl: `${baseUrl}${JOURNAL_PATH}`,
    keyPaths: keys.map((k) => k.path)
  }
}

module.exports = { createEvents }
