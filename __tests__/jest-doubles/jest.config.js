'use strict'

// An app's jest setup with HTTP test doubles and nothing of this package's configured: no
// transport option, no environment variable. Run by __tests__/test-doubles.test.js.
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/*.jest.js']
}
