#!/usr/bin/env node
// Adobe's server-to-server example app, running on aem-headless-rs: only the require line differs.
//
//   node examples/server-to-server.js AEM_HOST [CREDENTIALS_FILE]
//
// With a credentials file (service credentials or a local development token) it gets an access
// token first; then it runs the `wknd-shared/adventures-all` persisted query and pretty-prints
// the JSON. On failure it prints the error's toJSON() on stderr and exits 1.
const { AEMHeadless, getToken } = require('aem-headless-rs')

async function run () {
  // The AEM host, and optional service credentials, from the command line
  const args = process.argv.slice(2)
  const aemHost = args.length > 0 ? args[0] : null // e.g. https://publish-p123-e456.adobeaemcloud.com
  const serviceCredentialsFile = args.length > 1 ? args[1] : null // e.g. ./service-config.json

  try {
    // With service credentials, exchange them for an access token
    let accessToken = null
    if (serviceCredentialsFile) {
      const getTokenResponse = await getToken(serviceCredentialsFile)
      accessToken = getTokenResponse.accessToken
    }

    // The endpoint is left blank: only persisted queries are used
    const aemHeadlessClient = new AEMHeadless({
      serviceURL: aemHost,
      endpoint: '',
      auth: accessToken
    })

    const data = await aemHeadlessClient.runPersistedQuery('wknd-shared/adventures-all', { imageWidth: 1200 })
    console.log(JSON.stringify(data, null, 2))
  } catch (e) {
    console.error(typeof e.toJSON === 'function' ? e.toJSON() : e)
    process.exitCode = 1
  }
}

run()
