'use strict'

// Fixtures shared by the test files (not a test file itself: see jest.config.js).
const fs = require('fs')
const os = require('os')
const path = require('path')
const crypto = require('crypto')

const AEM = 'https://publish-p123-e456.adobeaemcloud.com'
const IMS_HOST = 'ims-na1.adobelogin.com'
const IMS = `https://${IMS_HOST}`
const GRAPHQL_ENDPOINT = '/content/graphql/global/endpoint.json'

const ADVENTURES = [
  { slug: 'bali-surf-camp', title: 'Bali Surf Camp', activity: 'Surfing', price: 5000 },
  { slug: 'yosemite-backpacking', title: 'Yosemite Backpacking', activity: 'Camping', price: 3000 },
  { slug: 'riverside-camping', title: 'Riverside Camping', activity: 'Camping', price: 1200 }
]

/** A persisted-query answer of AEM for the adventure list. */
const listAnswer = (items) => ({ data: { adventureList: { items } } })

/** The app's AEM settings in tests: a token, and no client retries unless a test wants them. */
const testConfig = (overrides = {}) => ({
  serviceURL: AEM,
  auth: 'test-token',
  retryOptions: { maxRetries: 0 },
  ...overrides
})

const tempDirs = []

/** Writes `content` (an object is written as JSON) to a new temporary file and returns its path. */
function writeTempFile (name, content) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aem-express-test-'))
  tempDirs.push(dir)
  const file = path.join(dir, name)
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2))
  return file
}

function removeTempFiles () {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
}

let keys = null
/** An RSA key pair for service credentials, generated once per test file. */
function keyPair () {
  keys = keys || crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' }
  })
  return keys
}

/** Service credentials as the Developer Console of AEM as a Cloud Service hands them out. */
function serviceCredentials () {
  const { privateKey, publicKey } = keyPair()
  return {
    ok: true,
    integration: {
      imsEndpoint: IMS_HOST,
      metascopes: 'ent_aem_cloud_api',
      technicalAccount: { clientId: 'cm-p123-e456-integration', clientSecret: 'p8e-secret' },
      email: 'integration@techacct.adobe.com',
      id: 'TECHACCT123@techacct.adobe.com',
      org: 'ORG123@AdobeOrg',
      privateKey,
      publicKey,
      certificateExpirationDate: '2027-01-01T00:00:00.000Z'
    },
    statusCode: 200
  }
}

/** The claims of a JWT (not verified: the tests only look at what was sent). */
function jwtClaims (token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'))
}

module.exports = {
  AEM,
  IMS,
  IMS_HOST,
  GRAPHQL_ENDPOINT,
  ADVENTURES,
  listAnswer,
  testConfig,
  writeTempFile,
  removeTempFiles,
  keyPair,
  serviceCredentials,
  jwtClaims
}
