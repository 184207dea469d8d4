'use strict'

// An app's test of its AEM code with nock: run it with `node --test examples/testing-with-nock.js`.
// Nothing to configure: under a test runner, or with nock installed, the client's requests, IMS
// included, go through Node's http module as Adobe's client's do, where nock intercepts them.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const nock = require('nock')
const { AEMHeadless } = require('aem-headless-rs')

const AEM = 'https://publish-p123-e456.adobeaemcloud.com'

/** The app's code under test: the titles of every adventure. */
async function adventureTitles (aem) {
  const { data } = await aem.runPersistedQuery('wknd-shared/adventures-all')
  return data.adventureList.items.map((item) => item.title)
}

test('adventureTitles reads the persisted query', async (t) => {
  nock.disableNetConnect()
  t.after(() => { nock.cleanAll(); nock.enableNetConnect() })
  nock(AEM, { reqheaders: { authorization: 'Bearer test-token' } })
    .get('/graphql/execute.json/wknd-shared/adventures-all')
    .reply(200, { data: { adventureList: { items: [{ title: 'Bali Surf Camp' }] } } })

  const aem = new AEMHeadless({ serviceURL: AEM, auth: 'test-token' })
  assert.deepEqual(await adventureTitles(aem), ['Bali Surf Camp'])
})

test('an AEM error reaches the app as API_ERROR', async (t) => {
  nock.disableNetConnect()
  t.after(() => { nock.cleanAll(); nock.enableNetConnect() })
  nock(AEM)
    .get('/graphql/execute.json/wknd-shared/adventures-all')
    .reply(404, { errors: [{ errorType: 'ServletError', message: 'no such persisted query' }] })

  const aem = new AEMHeadless({ serviceURL: AEM, auth: 'test-token' })
  await assert.rejects(adventureTitles(aem), (error) => error.code === 'API_ERROR' && error.sdkDetails.status === 404)
})
