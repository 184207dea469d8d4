// The ES module face of aem-headless-rs: the same objects as `require('aem-headless-rs')`,
// with the class as the default export.
import AEMHeadless from './index.js'

export default AEMHeadless
export { AEMHeadless }
export const {
  getToken,
  AEMHeadlessError,
  ErrorCodes,
  TokenProvider,
  loadCredentials,
  signServiceJwt,
  exchange,
  createRedisStore,
  createEventsHandler
} = AEMHeadless
