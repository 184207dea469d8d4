'use strict'

/* global expect, test, jest, afterEach, beforeEach */
// nock with net connect disabled, and jest's fake timers: the client's requests, IMS included,
// reach nock as Adobe's client's do, an unmatched one is refused with Adobe's words, and the
// client's retry waits are jest's timers. Nothing is configured.

const nock = require('nock')
const AEMHeadless = require('../..')

const AEM = 'https://publish-p123-e456.adobeaemcloud.com'
const IMS = 'https://ims-na1.adobelogin.com'
const DATA = { data: { adventureList: { items: [{ title: 'Bali Surf Camp' }] } } }

/** `count` real turns of the event loop. */
const turns = async (count) => { for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve)) }

beforeEach(() => nock.disableNetConnect())
afterEach(() => {
  jest.useRealTimers()
  nock.cleanAll()
  nock.enableNetConnect()
})

test('the OAuth token and the query both come from nock', async () => {
  const ims = nock(IMS).post('/ims/token/v3').reply(200, { access_token: 'nocked-token', token_type: 'bearer', expires_in: 86399 })
  const aem = nock(AEM, { reqheaders: { authorization: 'Bearer nocked-token' } }).get('/graphql/execute.json/wknd-shared/adventures-all').reply(200, DATA)
  const client = new AEMHeadless({ serviceURL: AEM, credentials: { clientId: 'c', clientSecret: 'client-secret', scopes: ['openid'] } })
  await expect(client.runPersistedQuery('wknd-shared/adventures-all')).resolves.toEqual(DATA)
  expect(ims.isDone() && aem.isDone()).toBe(true)
})

test('an unmatched request is refused as nock refuses Adobe\'s client\'s', async () => {
  const client = new AEMHeadless({ serviceURL: AEM, auth: 'dev-token' })
  const error = await client.runPersistedQuery('wknd-shared/nope', {}, {}, { maxRetries: 0 }).catch((e) => e)
  expect(error.message).toBe(`[AEMHeadless:REQUEST_ERROR] General Request error: request to ${AEM}/graphql/execute.json/wknd-shared/nope failed, reason: Nock: Disallowed net connect for "publish-p123-e456.adobeaemcloud.com:443/graphql/execute.json/wknd-shared/nope".`)
  expect(error.sdkDetails).toEqual({ serviceURL: `${AEM}/`, endpoint: 'graphql/execute.json/wknd-shared/nope' })
})

test('a 429 with Retry-After: 20 waits for jest\'s clock, and not a millisecond less', async () => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] })
  const busy = nock(AEM).get('/graphql/execute.json/wknd-shared/adventures-all').reply(429, { errors: [{ message: 'slow down' }] }, { 'Retry-After': '20' })
  const ok = nock(AEM).get('/graphql/execute.json/wknd-shared/adventures-all').reply(200, DATA)
  const client = new AEMHeadless({ serviceURL: AEM, auth: 'dev-token' })
  const pending = client.runPersistedQuery('wknd-shared/adventures-all')
  let settled = false
  pending.then(() => { settled = true }, () => { settled = true })
  // nock answers on later turns of the event loop (setImmediate and nextTick stay real): the
  // retry's wait is on the clock once the 429 has arrived.
  while (!busy.isDone()) await turns(1)
  await turns(100)
  await jest.advanceTimersByTimeAsync(19999)
  expect(ok.isDone()).toBe(false)
  expect(settled).toBe(false)
  await jest.advanceTimersByTimeAsync(1)
  while (!ok.isDone()) await turns(1)
  await expect(pending).resolves.toEqual(DATA)
  expect(ok.isDone()).toBe(true)
})
