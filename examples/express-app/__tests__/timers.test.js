'use strict'

const nock = require('nock')
const request = require('supertest')
const { createApp } = require('../src/app')
const { AEM, ADVENTURES, listAnswer, testConfig } = require('./support')

const ALL = '/graphql/execute.json/wknd-shared/adventures-all'
const FEATURED = '/graphql/execute.json/wknd-shared/featured-adventure'

beforeAll(() => {
  nock.disableNetConnect()
  nock.enableNetConnect('127.0.0.1')
})
// Sockets, streams and nock's interceptors queue their work with process.nextTick and
// setImmediate: only the timers of the client and of the app are faked.
beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] }))
afterEach(() => {
  jest.useRealTimers()
  nock.abortPendingRequests()
  nock.cleanAll()
})
afterAll(() => {
  nock.enableNetConnect()
  nock.restore() // unpatch node:http, which the next test file of this worker shares
})

/**
 * The clock stands still, but sockets do not: let real I/O (supertest's request, nock's
 * answer) go on until something arms a timer, such as the client's backoff.
 */
async function untilTimerArmed () {
  while (jest.getTimerCount() === 0) await new Promise((resolve) => setImmediate(resolve))
}

/** Starts a request to the app; supertest sends it when it is awaited. */
const start = (req) => req.then((res) => res)

const retryingApp = () => createApp({ config: testConfig({ retryOptions: { maxRetries: 2, initialDelayInMillis: 200 } }) })

/** The fake clock's time of each request that reaches `scope`, from now on. */
function requestTimes (scope) {
  const started = Date.now()
  const times = []
  scope.on('request', () => times.push(Date.now() - started))
  return times
}

test('a 503 is retried by the client after its backoff', async () => {
  const scope = nock(AEM)
    .get(ALL).reply(503, { errors: [{ message: 'unavailable' }] })
    .get(ALL).reply(200, listAnswer(ADVENTURES))
  const sent = requestTimes(scope)

  const pending = start(request(retryingApp()).get('/api/adventures'))
  await untilTimerArmed() // the backoff after the 503
  expect(sent).toEqual([0])

  await jest.advanceTimersByTimeAsync(199)
  expect(sent).toEqual([0]) // not yet
  await jest.advanceTimersByTimeAsync(1)

  const res = await pending
  expect(res.status).toBe(200)
  expect(res.body.items).toHaveLength(3)
  expect(sent).toEqual([0, 200])
  expect(scope.isDone()).toBe(true)
})

test('a 429 is retried after the Retry-After seconds', async () => {
  const scope = nock(AEM)
    .get(ALL).reply(429, { errors: [{ message: 'too many requests' }] }, { 'Retry-After': '3' })
    .get(ALL).reply(200, listAnswer(ADVENTURES))
  const sent = requestTimes(scope)

  const pending = start(request(retryingApp()).get('/api/adventures'))
  await untilTimerArmed() // the wait the 429 asked for
  expect(sent).toEqual([0])

  await jest.advanceTimersByTimeAsync(2999)
  expect(sent).toEqual([0])
  await jest.advanceTimersByTimeAsync(1)

  expect((await pending).status).toBe(200)
  expect(sent).toEqual([0, 3000])
})

test('after maxRetries the last 5xx reaches the API answer', async () => {
  const scope = nock(AEM).get(ALL).times(3).reply(500, { errors: [{ message: 'boom' }] })
  const sent = requestTimes(scope)

  const pending = start(request(retryingApp()).get('/api/adventures'))
  await untilTimerArmed()
  expect(sent).toEqual([0])
  await jest.advanceTimersByTimeAsync(200) // first backoff
  await untilTimerArmed()
  expect(sent).toEqual([0, 200])
  await jest.advanceTimersByTimeAsync(400) // second, doubled

  const res = await pending
  expect(res.status).toBe(502)
  expect(res.body.message).toBe('[AEMHeadless:API_ERROR] There was a problem with your API call: { errors: [Array] }.')
  expect(sent).toEqual([0, 200, 600])
  expect(scope.isDone()).toBe(true)
})

test('GET /api/featured gives up on a slow answer after 2 s and tries again', async () => {
  const scope = nock(AEM)
    .get(FEATURED).delay(10000).reply(200, listAnswer([ADVENTURES[2]]))
    .get(FEATURED).reply(200, listAnswer([ADVENTURES[0]]))

  const pending = start(request(createApp({ config: testConfig() })).get('/api/featured'))
  await untilTimerArmed() // the app's own timeout
  await jest.advanceTimersByTimeAsync(2000) // first attempt times out
  await jest.advanceTimersByTimeAsync(500) // the app's delay before its second attempt

  const res = await pending
  expect(res.status).toBe(200)
  expect(res.body).toEqual(ADVENTURES[0])
  expect(scope.isDone()).toBe(true)
})
