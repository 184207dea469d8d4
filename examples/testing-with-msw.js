'use strict'

// An app's test of its AEM code with msw, tokens included: run it with
// `node --test examples/testing-with-msw.js`. msw answers the OAuth Server-to-Server token
// request at IMS and the persisted query at AEM: with msw listening, the client's requests go where
// it sees them, with nothing to configure.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { setupServer } = require('msw/node')
const { http, HttpResponse } = require('msw')
const { AEMHeadless } = require('aem-headless-rs')

const AEM = 'https://publish-p123-e456.adobeaemcloud.com'
const IMS = 'https://ims-na1.adobelogin.com'

const server = setupServer(
  http.post(`${IMS}/ims/token/v3`, () =>
    HttpResponse.json({ access_token: 'test-token', token_type: 'bearer', expires_in: 86399 })),
  http.get(`${AEM}/graphql/execute.json/wknd-shared/adventures-all`, ({ request }) =>
    request.headers.get('authorization') === 'Bearer test-token'
      ? HttpResponse.json({ data: { adventureList: { items: [{ title: 'Bali Surf Camp' }] } } })
      : new HttpResponse(null, { status: 401 }))
)
before(() => server.listen({ onUnhandledRequest: 'error' }))
after(() => server.close())

test('the app gets a token and reads the persisted query', async () => {
  const aem = new AEMHeadless({
    serviceURL: AEM,
    credentials: { clientId: 'test-client', clientSecret: 'test-secret', scopes: ['openid', 'AdobeID'] }
  })
  const { data } = await aem.runPersistedQuery('wknd-shared/adventures-all')
  assert.deepEqual(data.adventureList.items.map((item) => item.title), ['Bali Surf Camp'])
})
