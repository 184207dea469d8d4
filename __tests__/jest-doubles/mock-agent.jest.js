'use strict'

/* global expect, test, afterEach */
// undici's MockAgent as the global dispatcher, in jest's own realm (whose global fetch does not
// read that realm's dispatcher): it answers the client with no configuration.

const { MockAgent, setGlobalDispatcher, Agent } = require('undici')
const AEMHeadless = require('../..')

const AEM = 'https://publish-p123-e456.adobeaemcloud.com'
const DATA = { data: { adventureList: { items: [{ title: 'Bali Surf Camp' }] } } }

afterEach(() => setGlobalDispatcher(new Agent()))

test('MockAgent answers a persisted query, and refuses what it does not know', async () => {
  const agent = new MockAgent()
  agent.disableNetConnect()
  setGlobalDispatcher(agent)
  agent.get(AEM).intercept({ path: '/graphql/execute.json/wknd-shared/adventures-all', headers: { authorization: 'Bearer dev-token' } })
    .reply(200, DATA, { headers: { 'content-type': 'application/json' } })
  const client = new AEMHeadless({ serviceURL: AEM, auth: 'dev-token' })
  await expect(client.runPersistedQuery('wknd-shared/adventures-all')).resolves.toEqual(DATA)
  agent.assertNoPendingInterceptors()
  const error = await client.runPersistedQuery('wknd-shared/unknown', {}, {}, { maxRetries: 0 }).catch((e) => e)
  expect(error.code).toBe('REQUEST_ERROR')
})
