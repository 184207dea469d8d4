'use strict'

/**
 * The emulator's third-party dependencies. They are optional peer dependencies of the package, so
 * that an app's production install pulls none of them; the app's tests install them as development
 * dependencies.
 * @module emulator/peers
 */

/** What the emulator loads from outside Node.js: graphql-js runs the GraphQL queries. */
const PEERS = ['graphql']

/** @returns {boolean} whether `name` cannot be found from here */
function isMissing (name) {
  try {
    require.resolve(name)
    return false
  } catch (error) {
    if (error && error.code === 'MODULE_NOT_FOUND') return true
    throw error
  }
}

/**
 * Checks that the emulator's dependencies can be loaded.
 * @throws {Error} with code `EMULATOR_DEPENDENCIES_MISSING`, `missing` (their names) and a message
 *   that gives the command to install them
 */
function checkPeerDependencies () {
  const missing = PEERS.filter(isMissing)
  if (missing.length === 0) return
  const ranges = require('../package.json').peerDependencies || {}
  const specs = missing.map((name) => {
    const spec = ranges[name] ? `${name}@${ranges[name]}` : name
    return /[\s<>|]/.test(spec) ? `"${spec}"` : spec
  })
  const [it, is, dependencies] = missing.length > 1 ? ['them', 'are', 'optional peer dependencies'] : ['it', 'is', 'an optional peer dependency']
  const error = new Error(
    `The AEM emulator (aem-headless-rs/emulator) needs ${missing.join(' and ')}, which ${is} not installed: ` +
    `${dependencies} of aem-headless-rs, so that production installs do not pull ${it} in. ` +
    `Install ${it} as a development dependency of your app:\n  npm install --save-dev ${specs.join(' ')}`
  )
  error.code = 'EMULATOR_DEPENDENCIES_MISSING'
  error.missing = missing
  throw error
}

module.exports = { checkPeerDependencies, PEERS }
