// Type-checked with `tsc -p tsconfig.json` (npm run lint); not run.
import AEMHeadless = require('..')

interface Adventure { slug: string; title: string }

async function usage (): Promise<void> {
  const { accessToken, type, expires } = await AEMHeadless.getToken('./service-config.json')
  const n: number = expires
  const t: string = type
  const aem = new AEMHeadless({ serviceURL: 'https://publish.example', auth: accessToken })
  const basic = new AEMHeadless({ serviceURL: 'http://localhost:4502', auth: ['admin', 'admin'] })
  const plain = new AEMHeadless('https://publish.example')
  const local = new AEMHeadless({ serviceURL: 'https://localhost:8443', ca: [Buffer.from('PEM'), 'PEM'] })
  await AEMHeadless.getToken('./service-config.json', { ca: Buffer.from('PEM') })
  // @ts-expect-error ca is PEM text or bytes
  new AEMHeadless({ serviceURL: 'https://localhost:8443', ca: 42 })
  const patient = new AEMHeadless({ serviceURL: 'https://publish.example', retries: { maxRetries: 5, initialDelayMs: 200 }, timeout: 60000, connectTimeout: 5000, maxResponseBytes: 1e6 })
  await patient.runPersistedQuery('x/y', {}, { timeout: 1000 })
  const cached = new AEMHeadless({ serviceURL: 'https://publish.example', cache: { maxEntries: 500, maxBytes: 16e6, models: { 'site/aliased': ['article'] } }, coalesce: true })
  cached.clearCache()
  const { invalidated }: { invalidated: number } = await cached.cache.invalidate({ paths: ['/content/dam/site/en/a'], prefixes: ['/content/dam/site/'], queries: ['site/list'], mode: 'soft' })
  await cached.cache.invalidate({ all: true, mode: 'hard' })
  await cached.cache.invalidate({ models: ['/conf/site/settings/dam/cfm/models/article'] })
  for await (const { position, event } of cached.events.journal({ url: 'https://events.example/journal', since: 'p', wait: false })) console.log(position, event.id)
  await cached.events.follow({ url: 'https://events.example/journal', limit: 10 }).stop()
  // @ts-expect-error since is a position (a string)
  cached.events.journal({ url: 'https://events.example/journal', since: 1 })
  const events = AEMHeadless.createEventsHandler({ clients: [cached], clientId: 'id', sources: ['acct:aem-p1-e2@adobe.com'], settleMs: 500 })
  const answer: Response = await events.fetch(new Request('https://app.example/aem-events'))
  console.log(answer.status)
  // @ts-expect-error clientId is required
  AEMHeadless.createEventsHandler({ clients: [cached] })
  // @ts-expect-error models are paths or names
  await cached.cache.invalidate({ models: [42] })
  // @ts-expect-error mode is 'soft' or 'hard'
  await cached.cache.invalidate({ all: true, mode: 'later' })
  console.log(invalidated)
  new AEMHeadless({ serviceURL: 'https://publish.example', logger: (event) => { if (event.event === 'request') console.log(event.level, event.method, event.url, event.status, event.attempts) } })
  new AEMHeadless({ serviceURL: 'https://publish.example', logger: console })
  new AEMHeadless({ serviceURL: 'https://publish.example', logger: false })
  // @ts-expect-error a logger is a function, an object logger or false
  new AEMHeadless({ serviceURL: 'https://publish.example', logger: 'debug' })
  new AEMHeadless({ serviceURL: 'https://publish.example', cache: true })
  // @ts-expect-error cache bounds are numbers
  new AEMHeadless({ serviceURL: 'https://publish.example', cache: { maxEntries: '5' } })
  const { data } = await aem.runPersistedQuery<{ adventureList: { items: Adventure[] } }>('wknd-shared/adventures-all', { imageWidth: 1200 })
  const slugs: string[] = data.adventureList.items.map((a) => a.slug)
  await basic.runQuery({ query: '{ a }', variables: { x: 1 } }, { method: 'POST' })
  await plain.runPersistedQuery('x/y', { a: [1, 'b', null], b: { c: true } }, { method: 'POST' }, { maxRetries: 1 })
  try {
    await aem.listPersistedQueries()
  } catch (e) {
    if (e instanceof AEMHeadless.AEMHeadlessError) {
      const code: AEMHeadless.ErrorCode = e.code
      const status: number | undefined = e.sdkDetails.status
      const json = e.toJSON()
      void [code, status, json.stacktrace]
    }
  }
  const controller = new AbortController()
  await aem.runPersistedQuery('x/y', {}, { headers: { 'X-Trace': 'a' }, signal: controller.signal })
  for await (const page of aem.runPaginatedQuery<Adventure>('adventure', '{ title slug }', { pageSize: 10 })) {
    const titles: string[] = page.map((a) => a.title)
    void titles
  }
  // A `_path` query yields the one item, not an array.
  for await (const item of aem.runPaginatedQuery<Adventure>('adventure', '{ title slug }', {}, { _path: '/content/dam/a' })) {
    const title: string = item.title
    void title
  }
  await aem.runPersistedQuery('a/b', {}, { headers: new Headers({ 'X-A': '1' }) })
  await aem.runPersistedQuery('a/b', {}, { headers: new Map([['X-A', '1']]) })
  await aem.runPersistedQuery('a/b', {}, { headers: [['X-A', '1']] })
  const built: AEMHeadless.QueryBuilderResult = aem.buildQuery('adventure', '{ title }', { useLimitOffset: true }, { filter: {} })
  const persisted = await aem.persistQuery('{ a }', 'conf/name')
  const shortPath: string = persisted.shortPath
  const lists = await aem.listPersistedQueries()
  const longForms: string[] = lists.flatMap((l) => l.queries.map((q) => q.path.longForm))
  void [built, shortPath, longForms]
  const provider = new AEMHeadless.TokenProvider('./service-config.json', { refreshRatio: 0.2, passphrase: 'p' })
  const token: AEMHeadless.AccessToken = await provider.getAccessToken()
  const expiresAt: number = token.expiresAt
  const shared = new AEMHeadless({ serviceURL: 'https://publish.example', tokenProvider: provider })
  const fromFile = new AEMHeadless({ serviceURL: 'https://publish.example', credentials: { clientId: 'c', clientSecret: 's', scopes: ['AdobeID'] } })
  const loaded = await AEMHeadless.loadCredentials('./service-config.json', { passphrase: 'p' })
  const kind: 'service' | 'oauth' | 'dev' = loaded.kind
  const jwt: string = AEMHeadless.signServiceJwt(loaded, { expiresIn: 60 })
  const raw = await AEMHeadless.exchange({ integration: { imsEndpoint: 'i', metascopes: 'm', technicalAccount: { clientId: 'c', clientSecret: 's' }, id: 'i', org: 'o', privateKey: 'k' } })
  const ms: number = raw.expires_in
  const fromLoaded = await AEMHeadless.exchange(loaded, { ca: 'pem' })
  const leasing: AEMHeadless.TokenStore = {
    get: async () => null,
    set: async () => {},
    lease: async () => async () => {}
  }
  new AEMHeadless.TokenProvider('./c.json', { store: leasing, leaseMs: 5000 })
  void [expiresAt, shared, fromFile, kind, jwt, ms, fromLoaded]
  // @ts-expect-error a token store needs get and set
  new AEMHeadless.TokenProvider('./c.json', { store: { get: async () => null } })
  // @ts-expect-error signal must be an AbortSignal
  await aem.runQuery('{ a }', { signal: 'stop' })
  const err = new AEMHeadless.ErrorCodes.API_ERROR({ sdkDetails: { status: 500 }, messageValues: 'x' })
  void [n, t, slugs, err]

  // @ts-expect-error auth is a token or a [user, password] pair
  new AEMHeadless({ auth: 42 })
  // @ts-expect-error variables must be JSON values
  await aem.runPersistedQuery('x/y', { when: () => 1 })
  // @ts-expect-error there is no such code
  const bad: AEMHeadless.ErrorCode = 'NOT_A_CODE'
  void bad

  // The app's fetch: the global one, or a minimal double; the test-double transport.
  const viaFetch = new AEMHeadless({ serviceURL: 'https://publish.example', fetch: globalThis.fetch })
  const double: AEMHeadless.FetchFunction = async (url, init, retryOptions) => ({ ok: true, json: async () => ({ data: { url, method: init.method, retries: retryOptions.maxRetries } }) })
  const viaDouble = new AEMHeadless({ serviceURL: 'https://publish.example', fetch: double, transport: 'fetch' })
  const exposed: AEMHeadless.FetchFunction | typeof globalThis.fetch = viaDouble.fetch
  await AEMHeadless.getToken('./c.json', { transport: 'fetch' })
  new AEMHeadless.TokenProvider('./c.json', { fetch: double })
  void [viaFetch, exposed]
  // @ts-expect-error the transport is 'native' or 'fetch'
  new AEMHeadless({ transport: 'curl' })

  // Any AEM API: a fetch, parsed requests, cursor pages.
  const sites = new AEMHeadless({ serviceURL: 'https://author.example', credentials: './c.json', apiKey: 'client-id' })
  const response: Response = await sites.authFetch('/adobe/sites/cf/fragments', { headers: { accept: 'application/json' } })
  const unbound: typeof fetch = sites.authFetch
  interface Fragment { id: string; title: string }
  const fragment: Fragment = await sites.request<Fragment>('/adobe/sites/cf/fragments/1', { query: { references: 'direct' } })
  const full: AEMHeadless.ApiResponse<Fragment> = await sites.request<Fragment>('/adobe/sites/cf/fragments/1', { full: true })
  const etag: string | undefined = full.etag
  await sites.request('/adobe/sites/cf/batch', { method: 'POST', json: { requests: [] }, wait: { timeout: 60000 }, signal: AbortSignal.timeout(1000) })
  for await (const item of sites.paginate<Fragment>('/adobe/sites/cf/fragments', { query: { limit: 50 } })) console.log(item.title)
  try {
    await sites.request('/x')
  } catch (error) {
    if (error instanceof AEMHeadless.AEMHeadlessError) console.log(error.sdkDetails.problem?.title, error.sdkDetails.etag)
  }
  const clientId: string | undefined = new AEMHeadless.TokenProvider('./c.json').clientId
  void [response, unbound, fragment, etag, clientId]
  // @ts-expect-error wait is a boolean or {timeout}
  await sites.request('/x', { wait: 5 })
  const maybeFull: boolean = Math.random() > 0.5
  const either = await sites.request<Fragment>('/x', { full: maybeFull, query: 'limit=5' })
  void either
}
void usage
