'use strict'

const path = require('path')
const nock = require('nock')
const request = require('supertest')
const { createApp } = require('../src/app')
const { configFromEnv, createAemClient, getToken } = require('../src/aem')
const {
  AEM, IMS, IMS_HOST, ADVENTURES, listAnswer, testConfig,
  writeTempFile, removeTempFiles, serviceCredentials, jwtClaims
} = require('./support')

const ALL = '/graphql/execute.json/wknd-shared/adventures-all'

beforeAll(() => {
  nock.disableNetConnect()
  nock.enableNetConnect('127.0.0.1')
})
afterEach(() => nock.cleanAll())
afterAll(() => {
  nock.enableNetConnect()
  nock.restore() // unpatch node:http, which the next test file of this worker shares
  removeTempFiles()
})

describe('auth shapes of the AEM client', () => {
  test('a token string is sent as a bearer token', async () => {
    const scope = nock(AEM, { reqheaders: { authorization: 'Bearer abc.def.ghi' } }).get(ALL).reply(200, listAnswer([]))

    const res = await request(createApp({ config: testConfig({ auth: 'abc.def.ghi' }) })).get('/api/adventures')

    expect(res.status).toBe(200)
    expect(scope.isDone()).toBe(true)
  })

  test('AEM_AUTH=user:password is sent as basic auth', async () => {
    const scope = nock(AEM, { reqheaders: { authorization: 'Basic ' + Buffer.from('admin:s3cret').toString('base64') } })
      .get(ALL)
      .reply(200, listAnswer(ADVENTURES))
    const config = configFromEnv({ AEM_SERVICE_URL: AEM, AEM_AUTH: 'admin:s3cret', AEM_MAX_RETRIES: '0' })

    expect(config.auth).toEqual(['admin', 's3cret'])
    const res = await request(createApp({ config })).get('/api/adventures')

    expect(res.status).toBe(200)
    expect(scope.isDone()).toBe(true)
  })

  test('a list with a user and no password is sent as a bearer token', async () => {
    const scope = nock(AEM, { reqheaders: { authorization: 'Bearer admin' } }).get(ALL).reply(200, listAnswer([]))

    const res = await request(createApp({ config: testConfig({ auth: ['admin'] }) })).get('/api/adventures')

    expect(res.status).toBe(200)
    expect(scope.isDone()).toBe(true)
  })

  test('no auth sends no Authorization header', async () => {
    const scope = nock(AEM, { badheaders: ['authorization'] }).get(ALL).reply(200, listAnswer([]))

    const res = await request(createApp({ config: testConfig({ auth: undefined }) })).get('/api/adventures')

    expect(res.status).toBe(200)
    expect(scope.isDone()).toBe(true)
  })

  test('the client exposes its settings', () => {
    const headers = { 'X-Request-Source': 'aem-express-example' }
    const aem = createAemClient({ serviceURL: AEM, endpoint: '/content/cq:graphql/wknd-shared/endpoint.json', auth: 'abc', headers })

    expect(aem.serviceURL).toBe('https://publish-p123-e456.adobeaemcloud.com/')
    expect(aem.endpoint).toBe('content/cq:graphql/wknd-shared/endpoint.json')
    expect(aem.headers).toEqual(headers)
    expect(aem.auth).toBe('abc')
    expect(createAemClient({ serviceURL: `${AEM}/` }).endpoint).toBe('content/graphql/global/endpoint.json')
  })
})

describe('service tokens with getToken', () => {
  test('a dev token file gives its token without calling IMS', async () => {
    const file = writeTempFile('dev-token.json', { accessToken: 'dev-token-123' })

    await expect(getToken(file)).resolves.toEqual({ accessToken: 'dev-token-123', type: 'Bearer', expires: 86400000 })

    const scope = nock(AEM, { reqheaders: { authorization: 'Bearer dev-token-123' } }).get(ALL).reply(200, listAnswer(ADVENTURES))
    const res = await request(createApp({ config: testConfig({ auth: undefined, credentialsFile: file }) })).get('/api/service/adventures')
    expect(res.status).toBe(200)
    expect(res.body.items).toHaveLength(3)
    expect(scope.isDone()).toBe(true)
  })

  test('service credentials are exchanged at IMS once, and the token is used for AEM', async () => {
    const file = writeTempFile('service-credentials.json', serviceCredentials())
    let form
    const ims = nock(IMS, { reqheaders: { 'content-type': 'application/x-www-form-urlencoded' } })
      .post('/ims/exchange/jwt', (body) => { form = body; return true })
      .once()
      .reply(200, { token_type: 'bearer', access_token: 'ims-access-token', expires_in: 86399999 })
    const aem = nock(AEM, { reqheaders: { authorization: 'Bearer ims-access-token' } })
      .get(ALL)
      .times(2)
      .reply(200, listAnswer(ADVENTURES))

    const app = createApp({ config: testConfig({ auth: undefined, credentialsFile: file }) })
    expect((await request(app).get('/api/service/adventures')).status).toBe(200)
    expect((await request(app).get('/api/service/adventures')).status).toBe(200)

    expect(ims.isDone()).toBe(true)
    expect(aem.isDone()).toBe(true)
    // nock hands a form-encoded body to the matcher parsed
    expect(form.client_id).toBe('cm-p123-e456-integration')
    expect(form.client_secret).toBe('p8e-secret')
    expect(jwtClaims(form.jwt_token)).toEqual({
      iss: 'ORG123@AdobeOrg',
      sub: 'TECHACCT123@techacct.adobe.com',
      aud: `https://${IMS_HOST}/c/cm-p123-e456-integration`,
      [`https://${IMS_HOST}/s/ent_aem_cloud_api`]: true,
      exp: expect.any(Number),
      iat: expect.any(Number)
    })
  })

  test('an IMS 400 is a 502 with the IMS error description', async () => {
    const file = writeTempFile('service-credentials.json', serviceCredentials())
    const ims = nock(IMS)
      .post('/ims/exchange/jwt')
      .reply(400, { error: 'invalid_client', error_description: 'invalid client_secret parameter' })

    const res = await request(createApp({ config: testConfig({ auth: undefined, credentialsFile: file }) })).get('/api/service/adventures')

    expect(res.status).toBe(502)
    expect(res.body.error).toBe('EXCHANGE_TOKEN_ERROR')
    expect(res.body.message).toBe('[AEMHeadless:EXCHANGE_TOKEN_ERROR] There was a problem fetching  exchange token: HTTP 400: invalid client_secret parameter.')
    expect(ims.isDone()).toBe(true)
  })

  test('a missing credentials file is an AUTH_FILE_READ_ERROR with the ENOENT message', async () => {
    const expected = `[AEMHeadless:AUTH_FILE_READ_ERROR] There was a problem reading auth file: ENOENT: no such file or directory, open '${path.join(process.cwd(), 'missing.json')}'.`

    await expect(getToken('missing.json')).rejects.toMatchObject({ code: 'AUTH_FILE_READ_ERROR', message: expected })

    const res = await request(createApp({ config: testConfig({ credentialsFile: 'missing.json' }) })).get('/api/service/adventures')
    expect(res.status).toBe(500)
    expect(res.body).toEqual({ error: 'AUTH_FILE_READ_ERROR', message: expected, details: {} })
  })

  test('a credentials file that is not JSON is an AUTH_FILE_PARSE_ERROR', async () => {
    const file = writeTempFile('broken.json', 'not json')

    const error = await getToken(file).catch((e) => e)

    expect(error.name).toBe('AEMHeadlessError')
    expect(error.code).toBe('AUTH_FILE_PARSE_ERROR')
    expect(error.message).toMatchInlineSnapshot(`"[AEMHeadless:AUTH_FILE_PARSE_ERROR] There was a problem parsing auth file: Unexpected token 'o', "not json" is not valid JSON."`)
  })
})
