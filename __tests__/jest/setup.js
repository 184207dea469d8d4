'use strict'

require('jest-fetch-mock').enableMocks()
