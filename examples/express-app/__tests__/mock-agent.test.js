'use strict'

// undici's MockAgent sees only requests sent through undici. The AEM client's own fetch
// (node-fetch over node:http) is not one of them, so these tests hand undici's fetch to
// the app, as the client's `fetch` option allows.
const { MockAgent, setGlobalDispatcher, getGlobalDispatcher, fetch } = require('undici')
const request = require('supertest')
const { createApp } = require('../src/app')
const { AEM, GRAPHQL_ENDPOINT, ADVENTURES, listAnswer, testConfig } = require('./support')

let mockAgent
let previousDispatcher

beforeEach(() => {
  previousDispatcher = getGlobalDispatcher()
  mockAgent = new MockAgent()
  mockAgent.disableNetConnect()
  setGlobalDispatcher(mockAgent)
})

afterEach(async () => {
  setGlobalDispatcher(previousDispatcher)
  await mockAgent.close()
})

const app = (config = testConfig()) => createApp({ config, fetch })

test('lists adventures by activity (MockAgent)', async () => {
  mockAgent.get(AEM)
    .intercept({
      path: '/graphql/execute.json/wknd-shared/adventures-by-activity%3Bactivity%3DCamping%3Blimit%3D2;',
      method: 'GET',
      headers: { authorization: 'Bearer test-token', 'content-type': 'application/json' }
    })
    .reply(200, listAnswer(ADVENTURES.slice(1)), { headers: { 'content-type': 'application/json' } })

  const res = await request(app()).get('/api/adventures?activity=Camping&limit=2')

  expect(res.status).toBe(200)
  expect(res.body.items).toHaveLength(2)
  mockAgent.assertNoPendingInterceptors()
})

test('searches with a POST of the query and variables (MockAgent)', async () => {
  mockAgent.get(AEM)
    .intercept({
      path: GRAPHQL_ENDPOINT,
      method: 'POST',
      body: (body) => JSON.parse(body).variables.text === 'surf'
    })
    .reply(200, listAnswer([{ slug: 'bali-surf-camp', title: 'Bali Surf Camp' }]))

  const res = await request(app()).post('/api/search').send({ text: 'surf' })

  expect(res.status).toBe(200)
  expect(res.body.items).toEqual([{ slug: 'bali-surf-camp', title: 'Bali Surf Camp' }])
  mockAgent.assertNoPendingInterceptors()
})

test('with undici fetch a 500 is answered at once: one request, no client retry', async () => {
  mockAgent.get(AEM)
    .intercept({ path: '/graphql/execute.json/wknd-shared/adventures-all', method: 'GET' })
    .reply(500, { errors: [{ message: 'boom' }] })

  // no retryOptions: the client's defaults
  const res = await request(app(testConfig({ retryOptions: undefined }))).get('/api/adventures')

  expect(res.status).toBe(502)
  expect(res.body.message).toBe('[AEMHeadless:API_ERROR] There was a problem with your API call: { errors: [Array] }.')
  expect(res.body.details).toEqual({ serviceURL: `${AEM}/`, endpoint: 'graphql/execute.json/wknd-shared/adventures-all', status: 500 })
  mockAgent.assertNoPendingInterceptors()
})

test('a connection error is a 503 with fetch\'s message', async () => {
  mockAgent.get(AEM)
    .intercept({ path: '/graphql/execute.json/wknd-shared/adventures-all', method: 'GET' })
    .replyWithError(new Error('connection reset'))

  const res = await request(app()).get('/api/adventures')

  expect(res.status).toBe(503)
  expect(res.body).toEqual({
    error: 'REQUEST_ERROR',
    message: '[AEMHeadless:REQUEST_ERROR] General Request error: fetch failed.',
    details: { serviceURL: `${AEM}/`, endpoint: 'graphql/execute.json/wknd-shared/adventures-all' }
  })
})

test('a request with no interceptor is refused by the agent', async () => {
  mockAgent.get(AEM)
    .intercept({ path: '/graphql/execute.json/wknd-shared/adventures-all', method: 'GET' })
    .reply(200, listAnswer(ADVENTURES))

  const res = await request(app()).get('/api/adventures/bali-surf-camp')

  expect(res.status).toBe(503)
  expect(res.body.message).toBe('[AEMHeadless:REQUEST_ERROR] General Request error: fetch failed.')
  // the interceptor for another path is still there: nothing else was answered
  expect(mockAgent.pendingInterceptors()).toHaveLength(1)
})
