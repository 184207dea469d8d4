'use strict'

// The only module of the app that knows which AEM client library it uses.
const { AEMHeadless, getToken } = require('@adobe/aem-headless-client-nodejs')

/**
 * The app's AEM settings from the environment.
 * AEM_AUTH is either a token, or `user:password` for basic authentication.
 */
function configFromEnv (env = process.env) {
  const auth = env.AEM_AUTH && env.AEM_AUTH.includes(':') ? env.AEM_AUTH.split(':') : env.AEM_AUTH
  return {
    serviceURL: env.AEM_SERVICE_URL,
    endpoint: env.AEM_GRAPHQL_ENDPOINT,
    auth,
    credentialsFile: env.AEM_CREDENTIALS_FILE,
    retryOptions: env.AEM_MAX_RETRIES ? { maxRetries: Number(env.AEM_MAX_RETRIES) } : undefined
  }
}

/**
 * A client for the configured AEM instance. `fetch` is optional: without it the
 * client uses its own fetch, which retries 5xx and 429 answers with exponential backoff.
 */
function createAemClient ({ serviceURL, endpoint, auth, headers, fetch }) {
  const config = { serviceURL, endpoint, auth, headers }
  // The client spreads the config over its default fetch: pass the key only when set.
  if (fetch) config.fetch = fetch
  return new AEMHeadless(config)
}

/** An IMS access token from a credentials file (a dev token or service credentials). */
async function serviceToken (credentialsFile) {
  const { accessToken } = await getToken(credentialsFile)
  return accessToken
}

module.exports = { configFromEnv, createAemClient, serviceToken, getToken }
