'use strict'

const { setupServer } = require('msw/node')
const { http, HttpResponse, passthrough } = require('msw')
const request = require('supertest')
const { createApp } = require('../src/app')
const { AEM, GRAPHQL_ENDPOINT, ADVENTURES, listAnswer, testConfig } = require('./support')

// supertest calls the app on 127.0.0.1: those requests go through, any other unhandled one is an error
const server = setupServer(http.all(/^http:\/\/127\.0\.0\.1:\d+\//, () => passthrough()))

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const app = () => createApp({ config: testConfig() })

test('lists adventures by activity (msw)', async () => {
  const seen = []
  server.use(
    http.get(`${AEM}/graphql/execute.json/wknd-shared/:query`, ({ request }) => {
      seen.push({ url: request.url, authorization: request.headers.get('authorization') })
      return HttpResponse.json(listAnswer(ADVENTURES.slice(1)))
    })
  )

  const res = await request(app()).get('/api/adventures?activity=Camping')

  expect(res.status).toBe(200)
  expect(res.body.items.map((a) => a.slug)).toEqual(['yosemite-backpacking', 'riverside-camping'])
  expect(seen).toEqual([{
    url: `${AEM}/graphql/execute.json/wknd-shared/adventures-by-activity%3Bactivity%3DCamping;`,
    authorization: 'Bearer test-token'
  }])
})

test('searches with a POST of the query and variables (msw)', async () => {
  let body
  server.use(
    http.post(`${AEM}${GRAPHQL_ENDPOINT}`, async ({ request }) => {
      expect(request.headers.get('content-type')).toBe('application/json')
      body = await request.json()
      return HttpResponse.json(listAnswer([{ slug: 'bali-surf-camp', title: 'Bali Surf Camp' }]))
    })
  )

  const res = await request(app()).post('/api/search').send({ text: 'Bali' })

  expect(res.status).toBe(200)
  expect(res.body.items).toEqual([{ slug: 'bali-surf-camp', title: 'Bali Surf Camp' }])
  expect(body.variables).toEqual({ text: 'Bali' })
})

test('pages through the paginated query with the end cursor (msw)', async () => {
  const queries = []
  server.use(
    http.post(`${AEM}${GRAPHQL_ENDPOINT}`, async ({ request }) => {
      const { query } = await request.json()
      queries.push(query)
      const first = !query.includes('after:')
      const items = first ? ADVENTURES.slice(0, 2) : ADVENTURES.slice(2)
      return HttpResponse.json({
        data: {
          adventurePaginated: {
            pageInfo: { startCursor: null, endCursor: first ? 'c2' : 'c3', hasNextPage: first, hasPreviousPage: !first },
            edges: items.map((node) => ({ node, cursor: node.slug }))
          }
        }
      })
    })
  )

  const res = await request(app()).get('/api/adventures/all?pageSize=2')

  expect(res.status).toBe(200)
  expect(res.body.count).toBe(3)
  expect(queries).toHaveLength(2)
  expect(queries[1]).toContain('after:"c2"')
})

test('a network error reaching AEM is a 503 (msw)', async () => {
  server.use(http.get(`${AEM}/graphql/execute.json/wknd-shared/:query`, () => HttpResponse.error()))

  const res = await request(app()).get('/api/adventures')

  expect(res.status).toBe(503)
  expect(res.body).toEqual({
    error: 'REQUEST_ERROR',
    message: `[AEMHeadless:REQUEST_ERROR] General Request error: request to ${AEM}/graphql/execute.json/wknd-shared/adventures-all failed, reason: Network error.`,
    details: { serviceURL: `${AEM}/`, endpoint: 'graphql/execute.json/wknd-shared/adventures-all' }
  })
})
