'use strict'

const express = require('express')
const { configFromEnv, createAemClient, serviceToken } = require('./aem')

const ADVENTURE_FIELDS = '{ slug title activity price }'

const SEARCH_QUERY = `query Search($text: String!) {
  adventureList(filter: { title: { _expressions: [{ value: $text, _operator: CONTAINS, _ignoreCase: true }] } }) {
    items { slug title }
  }
}`

class TimeoutError extends Error {
  constructor (ms) {
    super(`AEM did not answer within ${ms} ms`)
    this.name = 'TimeoutError'
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Rejects with a TimeoutError when `promise` takes longer than `ms`. */
function withTimeout (promise, ms) {
  let timer
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(ms)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** A failure worth another try: a timeout, a network error, or AEM's 5xx. */
function isTransient (error) {
  if (error instanceof TimeoutError) return true
  if (error.code === 'REQUEST_ERROR') return true
  return error.code === 'API_ERROR' && error.sdkDetails && error.sdkDetails.status >= 500
}

async function retry (fn, { attempts, delayMs }) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (error) {
      if (attempt >= attempts || !isTransient(error)) throw error
      await sleep(delayMs * attempt)
    }
  }
}

/** The HTTP status the API answers for an error of the AEM client. */
function statusFor (error) {
  switch (error.code) {
    case 'API_ERROR':
      return error.sdkDetails && error.sdkDetails.status === 404 ? 404 : 502
    case 'REQUEST_ERROR':
      return 503
    case 'INVALID_PARAM':
      return 400
    case 'AUTH_FILE_READ_ERROR':
    case 'AUTH_FILE_PARSE_ERROR':
      return 500
    default: // RESPONSE_ERROR, EXCHANGE_TOKEN_ERROR
      return 502
  }
}

/**
 * The API. `deps.config` holds the AEM settings (see configFromEnv), `deps.fetch` an
 * optional fetch for the AEM client, `deps.featured` the timeout and retry of /api/featured.
 */
function createApp (deps = {}) {
  const config = deps.config || configFromEnv()
  const featured = { timeoutMs: 2000, attempts: 3, delayMs: 500, ...deps.featured }
  const aem = createAemClient({ ...config, fetch: deps.fetch })
  const retryOptions = config.retryOptions

  // The service token: exchanged once, then kept for an hour (IMS access tokens live 24 h).
  let token = null
  async function serviceClient () {
    if (!token || token.expiresAt <= Date.now()) {
      const accessToken = await serviceToken(config.credentialsFile)
      token = { accessToken, expiresAt: Date.now() + 60 * 60 * 1000 }
    }
    return createAemClient({ ...config, auth: token.accessToken, fetch: deps.fetch })
  }

  const app = express()
  app.use(express.json())

  app.get('/api/adventures', async (req, res) => {
    const { activity, limit } = req.query
    let answer
    if (activity) {
      const variables = { activity }
      if (limit) variables.limit = Number(limit)
      answer = await aem.runPersistedQuery('wknd-shared/adventures-by-activity', variables, {}, retryOptions)
    } else {
      answer = await aem.runPersistedQuery('wknd-shared/adventures-all', {}, {}, retryOptions)
    }
    const { data } = answer
    res.json({ items: data.adventureList.items })
  })

  // Every adventure, page after page, with the client's paginated query.
  app.get('/api/adventures/all', async (req, res) => {
    const pageSize = Number(req.query.pageSize || 50)
    const items = []
    for await (const page of aem.runPaginatedQuery('adventure', ADVENTURE_FIELDS, { pageSize }, {}, {}, retryOptions)) {
      items.push(...page)
    }
    res.json({ count: items.length, items })
  })

  app.get('/api/adventures/:slug', async (req, res) => {
    const { slug } = req.params
    const { data } = await aem.runPersistedQuery('wknd-shared/adventure-by-slug', { slug }, {}, retryOptions)
    const [adventure] = data.adventureList.items
    if (!adventure) {
      res.status(404).json({ error: 'NOT_FOUND', message: `No adventure "${slug}"` })
      return
    }
    res.json(adventure)
  })

  app.post('/api/search', async (req, res) => {
    const text = req.body && req.body.text
    if (!text) {
      res.status(400).json({ error: 'BAD_REQUEST', message: 'text is required' })
      return
    }
    const { data } = await aem.runQuery({ query: SEARCH_QUERY, variables: { text } }, {}, retryOptions)
    res.json({ items: data.adventureList.items })
  })

  // The home page teaser: a tight budget, so one request per attempt (no client
  // retries), our own timeout, and a couple of attempts spaced by delayMs.
  app.get('/api/featured', async (req, res) => {
    const { data } = await retry(
      () => withTimeout(aem.runPersistedQuery('wknd-shared/featured-adventure', {}, {}, { maxRetries: 0 }), featured.timeoutMs),
      featured
    )
    res.json(data.adventureList.items[0] || null)
  })

  // Adventures as the service account sees them (drafts included on author).
  app.get('/api/service/adventures', async (req, res) => {
    const client = await serviceClient()
    const { data } = await client.runPersistedQuery('wknd-shared/adventures-all', {}, {}, retryOptions)
    res.json({ items: data.adventureList.items })
  })

  // Express 5 hands rejected promises of async routes to this handler.
  app.use((error, req, res, next) => {
    if (error.name === 'AEMHeadlessError') {
      res.status(statusFor(error)).json({ error: error.code, message: error.message, details: error.sdkDetails })
      return
    }
    if (error instanceof TimeoutError) {
      res.status(504).json({ error: 'TIMEOUT', message: error.message })
      return
    }
    res.status(500).json({ error: 'INTERNAL', message: 'Internal Server Error' })
  })

  return app
}

module.exports = { createApp, withTimeout, TimeoutError }
