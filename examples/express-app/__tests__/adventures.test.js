'use strict'

const nock = require('nock')
const request = require('supertest')
const { createApp } = require('../src/app')
const { AEM, GRAPHQL_ENDPOINT, ADVENTURES, listAnswer, testConfig } = require('./support')

beforeAll(() => {
  nock.disableNetConnect()
  nock.enableNetConnect('127.0.0.1') // supertest's own server
})
afterEach(() => nock.cleanAll())
afterAll(() => {
  nock.enableNetConnect()
  nock.restore() // unpatch node:http, which the next test file of this worker shares
})

describe('GET /api/adventures', () => {
  test('runs the adventures-all persisted query with the bearer token', async () => {
    const scope = nock(AEM, { reqheaders: { authorization: 'Bearer test-token' } })
      .get('/graphql/execute.json/wknd-shared/adventures-all')
      .reply(200, listAnswer(ADVENTURES))

    const res = await request(createApp({ config: testConfig() })).get('/api/adventures')

    expect(res.status).toBe(200)
    expect(res.body).toEqual({ items: ADVENTURES })
    expect(scope.isDone()).toBe(true)
  })

  test('sends the variables encoded into the persisted query path', async () => {
    const scope = nock(AEM)
      .get('/graphql/execute.json/wknd-shared/adventures-by-activity%3Bactivity%3DSurfing%3Blimit%3D5;')
      .reply(200, listAnswer(ADVENTURES.slice(0, 1)))

    const res = await request(createApp({ config: testConfig() })).get('/api/adventures?activity=Surfing&limit=5')

    expect(res.status).toBe(200)
    expect(res.body.items.map((a) => a.slug)).toEqual(['bali-surf-camp'])
    expect(scope.isDone()).toBe(true)
  })

  test('encodes spaces and ampersands in variables', async () => {
    const scope = nock(AEM)
      .get('/graphql/execute.json/wknd-shared/adventures-by-activity%3Bactivity%3DRock%20Climbing%20%26%20Hiking;')
      .reply(200, listAnswer([]))

    const res = await request(createApp({ config: testConfig() }))
      .get('/api/adventures')
      .query({ activity: 'Rock Climbing & Hiking' })

    expect(res.status).toBe(200)
    expect(res.body).toEqual({ items: [] })
    expect(scope.isDone()).toBe(true)
  })

  test('sends the configured headers and a JSON content type', async () => {
    const scope = nock(AEM, {
      reqheaders: {
        'x-request-source': 'aem-express-example',
        'content-type': 'application/json',
        authorization: 'Bearer test-token'
      }
    })
      .get('/graphql/execute.json/wknd-shared/adventures-all')
      .reply(200, listAnswer(ADVENTURES))

    const config = testConfig({ headers: { 'X-Request-Source': 'aem-express-example' } })
    const res = await request(createApp({ config })).get('/api/adventures')

    expect(res.status).toBe(200)
    expect(scope.isDone()).toBe(true)
  })
})

describe('GET /api/adventures/:slug', () => {
  test('returns the adventure', async () => {
    const scope = nock(AEM)
      .get('/graphql/execute.json/wknd-shared/adventure-by-slug%3Bslug%3Dbali-surf-camp;')
      .reply(200, listAnswer([ADVENTURES[0]]))

    const res = await request(createApp({ config: testConfig() })).get('/api/adventures/bali-surf-camp')

    expect(res.status).toBe(200)
    expect(res.body).toEqual(ADVENTURES[0])
    expect(scope.isDone()).toBe(true)
  })

  test('answers 404 when AEM has no such adventure', async () => {
    const scope = nock(AEM)
      .get('/graphql/execute.json/wknd-shared/adventure-by-slug%3Bslug%3Dnowhere;')
      .reply(200, listAnswer([]))

    const res = await request(createApp({ config: testConfig() })).get('/api/adventures/nowhere')

    expect(res.status).toBe(404)
    expect(res.body).toEqual({ error: 'NOT_FOUND', message: 'No adventure "nowhere"' })
    expect(scope.isDone()).toBe(true)
  })
})

describe('GET /api/adventures/all', () => {
  test('walks every page of the paginated query', async () => {
    const page = (items, endCursor, hasNextPage) => ({
      data: {
        adventurePaginated: {
          pageInfo: { startCursor: null, endCursor, hasNextPage, hasPreviousPage: false },
          edges: items.map((node) => ({ node, cursor: node.slug }))
        }
      }
    })
    const scope = nock(AEM)
      .post(GRAPHQL_ENDPOINT, (body) => body.query.includes('adventurePaginated(') && body.query.includes('first:2') && !body.query.includes('after:'))
      .reply(200, page(ADVENTURES.slice(0, 2), 'c2', true))
      .post(GRAPHQL_ENDPOINT, (body) => body.query.includes('first:2,after:"c2"'))
      .reply(200, page(ADVENTURES.slice(2), 'c3', false))

    const res = await request(createApp({ config: testConfig() })).get('/api/adventures/all?pageSize=2')

    expect(res.status).toBe(200)
    expect(res.body).toEqual({ count: 3, items: ADVENTURES })
    expect(scope.isDone()).toBe(true)
  })
})

describe('POST /api/search', () => {
  test('sends the query and its variables to the GraphQL endpoint', async () => {
    let sent
    const scope = nock(AEM, { reqheaders: { 'content-type': 'application/json', authorization: 'Bearer test-token' } })
      .post(GRAPHQL_ENDPOINT, (body) => { sent = body; return true })
      .reply(200, listAnswer([{ slug: 'bali-surf-camp', title: 'Bali Surf Camp' }]))

    const res = await request(createApp({ config: testConfig() })).post('/api/search').send({ text: 'surf' })

    expect(res.status).toBe(200)
    expect(res.body).toEqual({ items: [{ slug: 'bali-surf-camp', title: 'Bali Surf Camp' }] })
    expect(sent.variables).toEqual({ text: 'surf' })
    expect(sent.query).toMatch(/^query Search\(\$text: String!\)/)
    expect(scope.isDone()).toBe(true)
  })

  test('uses the GraphQL endpoint from the config', async () => {
    const scope = nock(AEM)
      .post('/content/cq:graphql/wknd-shared/endpoint.json')
      .reply(200, listAnswer([]))

    const config = testConfig({ endpoint: '/content/cq:graphql/wknd-shared/endpoint.json' })
    const res = await request(createApp({ config })).post('/api/search').send({ text: 'ski' })

    expect(res.status).toBe(200)
    expect(scope.isDone()).toBe(true)
  })
})
