'use strict'

/* global fetchMock, expect, test, beforeEach */
// An app's tests of its AEM code with jest-fetch-mock, with nothing of this package configured.

const AEMHeadless = require('../..')

const AEM = 'https://publish-p123-e456.adobeaemcloud.com'
const DATA = { data: { adventureList: { items: [{ title: 'Bali Surf Camp' }] } } }

beforeEach(() => fetchMock.resetMocks())

test('a persisted query is answered by the mock, which saw it called as Adobe\'s client calls it', async () => {
  fetchMock.mockResponseOnce(JSON.stringify(DATA))
  const client = new AEMHeadless({ serviceURL: AEM, auth: 'dev-token' })
  const pending = client.runPersistedQuery('wknd-shared/adventures-by-activity', { activity: 'Camping' })
  expect(fetchMock).toHaveBeenCalledWith(
    `${AEM}/graphql/execute.json/wknd-shared/adventures-by-activity%3Bactivity%3DCamping;`,
    expect.objectContaining({ method: 'GET', headers: expect.objectContaining({ Authorization: 'Bearer dev-token', 'Content-Type': 'application/json' }) }),
    expect.anything()
  )
  await expect(pending).resolves.toEqual(DATA)
})

test('the OAuth token request and the query both go to the mock', async () => {
  fetchMock.mockResponses(
    [JSON.stringify({ access_token: 'mocked-token', token_type: 'bearer', expires_in: 86399 }), { status: 200 }],
    [JSON.stringify(DATA), { status: 200 }]
  )
  const client = new AEMHeadless({ serviceURL: AEM, credentials: { clientId: 'c', clientSecret: 'client-SECRET', scopes: ['openid'] } })
  await expect(client.runPersistedQuery('wknd-shared/adventures-all')).resolves.toEqual(DATA)
  expect(fetchMock.mock.calls.map(([url]) => new URL(url).pathname)).toEqual(['/ims/token/v3', '/graphql/execute.json/wknd-shared/adventures-all'])
  expect(fetchMock.mock.calls[1][1].headers.Authorization).toBe('Bearer mocked-token')
})

test('AEM\'s errors reach the app as API_ERROR with AEM\'s errors', async () => {
  fetchMock.mockResponseOnce(JSON.stringify({ errors: [{ message: 'bad query' }] }), { status: 400 })
  const client = new AEMHeadless({ serviceURL: AEM, auth: 'dev-token' })
  const error = await client.runQuery('{ nope }').catch((e) => e)
  expect(error.code).toBe('API_ERROR')
  expect(error.sdkDetails.status).toBe(400)
  expect(error.sdkDetails.errors).toEqual([{ message: 'bad query' }])
})

test('a rejected fetch is REQUEST_ERROR, retried as the client retries', async () => {
  fetchMock.mockReject(new Error('offline'))
  const client = new AEMHeadless({ serviceURL: AEM, auth: 'dev-token', retries: { maxRetries: 2, initialDelayMs: 1 } })
  const error = await client.runPersistedQuery('wknd-shared/adventures-all').catch((e) => e)
  expect(error.code).toBe('REQUEST_ERROR')
  expect(error.message).toMatch(/offline/)
  expect(fetchMock).toHaveBeenCalledTimes(3)
})
