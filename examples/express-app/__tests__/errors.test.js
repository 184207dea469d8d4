'use strict'

const nock = require('nock')
const request = require('supertest')
const { createApp } = require('../src/app')
const { createAemClient } = require('../src/aem')
const { AEM, testConfig } = require('./support')

const ALL = '/graphql/execute.json/wknd-shared/adventures-all'

beforeAll(() => {
  nock.disableNetConnect()
  nock.enableNetConnect('127.0.0.1')
})
afterEach(() => nock.cleanAll())
afterAll(() => {
  nock.enableNetConnect()
  nock.restore() // unpatch node:http, which the next test file of this worker shares
})

const getAdventures = () => request(createApp({ config: testConfig() })).get('/api/adventures')

describe('errors of AEM in the API answers', () => {
  test('a 500 from AEM is a 502 with the client error', async () => {
    const scope = nock(AEM).get(ALL).reply(500, { errors: [{ message: 'boom' }] })

    const res = await getAdventures()

    expect(res.status).toBe(502)
    expect(res.body).toEqual({
      error: 'API_ERROR',
      message: '[AEMHeadless:API_ERROR] There was a problem with your API call: { errors: [Array] }.',
      details: { serviceURL: `${AEM}/`, endpoint: 'graphql/execute.json/wknd-shared/adventures-all', status: 500 }
    })
    expect(scope.isDone()).toBe(true)
  })

  test('a 404 from AEM is a 404 carrying what AEM said', async () => {
    nock(AEM).get(ALL).reply(404, { message: 'Not Found' })

    const res = await getAdventures()

    expect(res.status).toBe(404)
    expect(res.body.error).toBe('API_ERROR')
    expect(res.body.message).toBe("[AEMHeadless:API_ERROR] There was a problem with your API call: { message: 'Not Found' }.")
    expect(res.body.details.status).toBe(404)
  })

  test('a 200 that is not JSON is a RESPONSE_ERROR', async () => {
    nock(AEM).get(ALL).reply(200, '<html>maintenance</html>', { 'Content-Type': 'text/html' })

    const res = await getAdventures()

    expect(res.status).toBe(502)
    expect(res.body.message).toMatchInlineSnapshot(`"[AEMHeadless:RESPONSE_ERROR] There was a problem parsing response data: invalid json response body at https://publish-p123-e456.adobeaemcloud.com/graphql/execute.json/wknd-shared/adventures-all reason: Unexpected token '<', "<html>main"... is not valid JSON."`)
    expect(res.body.details).toEqual({ serviceURL: `${AEM}/`, endpoint: 'graphql/execute.json/wknd-shared/adventures-all', status: 200 })
  })

  test('a 401 with an HTML page keeps the status in the details', async () => {
    nock(AEM).get(ALL).reply(401, '<!DOCTYPE html><title>Unauthorized</title>')

    const res = await getAdventures()

    expect(res.status).toBe(502)
    expect(res.body).toMatchInlineSnapshot(`
{
  "details": {
    "endpoint": "graphql/execute.json/wknd-shared/adventures-all",
    "serviceURL": "https://publish-p123-e456.adobeaemcloud.com/",
    "status": 401,
  },
  "error": "RESPONSE_ERROR",
  "message": "[AEMHeadless:RESPONSE_ERROR] There was a problem parsing response data: invalid json response body at https://publish-p123-e456.adobeaemcloud.com/graphql/execute.json/wknd-shared/adventures-all reason: Unexpected token '<', "<!DOCTYPE "... is not valid JSON.",
}
`)
  })

  test('GraphQL errors in a 200 are joined into the message', async () => {
    nock(AEM).get(ALL).reply(200, {
      data: null,
      errors: [{ message: 'Validation error of type FieldUndefined' }, { message: 'Field price is unknown' }]
    })

    const res = await getAdventures()

    expect(res.status).toBe(502)
    expect(res.body.error).toBe('RESPONSE_ERROR')
    expect(res.body.message).toBe('[AEMHeadless:RESPONSE_ERROR] There was a problem parsing response data: Validation error of type FieldUndefined. Field price is unknown.')
  })

  test('a network error is a 503 REQUEST_ERROR', async () => {
    const scope = nock(AEM).get(ALL).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))

    const res = await getAdventures()

    expect(res.status).toBe(503)
    expect(res.body).toEqual({
      error: 'REQUEST_ERROR',
      message: `[AEMHeadless:REQUEST_ERROR] General Request error: request to ${AEM}${ALL} failed, reason: socket hang up.`,
      details: { serviceURL: `${AEM}/`, endpoint: 'graphql/execute.json/wknd-shared/adventures-all' }
    })
    expect(scope.isDone()).toBe(true)
  })

  test('a request nock has no answer for is refused and never leaves the process', async () => {
    const unmatched = []
    const onNoMatch = (req) => {
      // supertest's own requests to the app go to 127.0.0.1, which is allowed
      if (req.hostname !== '127.0.0.1') unmatched.push(`${req.method} ${req.hostname}${req.path}`)
    }
    nock.emitter.on('no match', onNoMatch)
    try {
      const res = await request(createApp({ config: testConfig() })).get('/api/adventures/bali-surf-camp')

      expect(res.status).toBe(503)
      expect(res.body.error).toBe('REQUEST_ERROR')
      expect(res.body.message).toMatch(/Nock: Disallowed net connect for "publish-p123-e456\.adobeaemcloud\.com:443\/graphql\/execute\.json\/wknd-shared\/adventure-by-slug%3Bslug%3Dbali-surf-camp;"/)
      expect(unmatched).toEqual(['GET publish-p123-e456.adobeaemcloud.com/graphql/execute.json/wknd-shared/adventure-by-slug%3Bslug%3Dbali-surf-camp;'])
    } finally {
      nock.emitter.removeListener('no match', onNoMatch)
    }
  })
})

describe('the client error', () => {
  test('has a name, a code, sdkDetails and a JSON form', async () => {
    nock(AEM).get(ALL).reply(503, { errors: [{ message: 'AEM is restarting' }] })
    const aem = createAemClient(testConfig())

    const error = await aem.runPersistedQuery('wknd-shared/adventures-all', {}, {}, { maxRetries: 0 }).catch((e) => e)

    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('AEMHeadlessError')
    expect(error.code).toBe('API_ERROR')
    expect(error.sdk).toBe('AEMHeadless')
    expect(error.sdkDetails).toEqual({
      serviceURL: 'https://publish-p123-e456.adobeaemcloud.com/',
      endpoint: 'graphql/execute.json/wknd-shared/adventures-all',
      status: 503
    })
    expect(error.toJSON()).toEqual({
      sdk: 'AEMHeadless',
      sdkDetails: error.sdkDetails,
      code: 'API_ERROR',
      message: '[AEMHeadless:API_ERROR] There was a problem with your API call: { errors: [Array] }.',
      stacktrace: error.stack
    })
  })
})
