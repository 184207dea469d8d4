/**
 * aem-headless-rs/emulator: a local HTTPS emulator of Adobe IMS and AEM as a Cloud Service (Publish
 * or Author), for an app's integration tests. Needs the optional peer dependency `graphql`
 * (`npm install --save-dev graphql`); without it, loading this module throws an Error with code
 * `EMULATOR_DEPENDENCIES_MISSING`. Guide: docs/EMULATOR.md.
 */

/** Cache values of a persisted query, as AEM's `persist.json` body carries them. Each value is a non-negative integer. */
export interface CachePolicy {
  /** The browser's `Cache-Control: max-age`. */
  'cache-control'?: { 'max-age': number }
  /** The CDN's `Surrogate-Control` (its `max-age` is the CDN's `s-maxage`). */
  'surrogate-control'?: { 'max-age'?: number; 'stale-while-revalidate'?: number; 'stale-if-error'?: number }
}

/** A persisted query: its text, or the JSON a `persist.json` body takes (the text with its own cache values). */
export type PersistedQueryDefinition = string | (CachePolicy & { query: string })

/**
 * An app's own content, as `load` and the `load` option take it.
 *
 * Models are Content Fragment Models: `{modelName: {fieldName: 'GraphQL type'}}`. Each becomes, as
 * AEM generates them, the type `{ModelName}Model` (with `_path: ID!`) and the queries
 * `{modelName}List`, `{modelName}Paginated` and `{modelName}ByPath`. Field types: `String`, `Int`,
 * `Float`, `Boolean`, `ID`, `Calendar` (dates and times), `JSON`, `MultiFormatString`
 * (`{html, plaintext, markdown, json}`), `ImageRef` (`{_path, _authorUrl, _publishUrl, _dynamicUrl,
 * mimeType, width, height}`), another model's type (a fragment reference), lists of them
 * (`'[String]'`) and non-null ones (`'String!'`). `String`, `ID` and `Calendar` fields can be filtered on.
 * A model with the name of a built-in one (`adventure`, `article`) replaces it.
 */
export interface EmulatorContent {
  /** Content Fragment Models: `{article: {title: 'String', body: 'MultiFormatString', author: 'PersonModel'}}`. */
  models?: Record<string, Record<string, string>>
  /**
   * Fragments per model, after those it has: `{article: [{_path, title, ...}]}`. A fragment without
   * `_path` gets `/content/dam/{model}/{n}`; one with the `_path` of a fragment added before replaces
   * it. A reference is the other fragment's `_path` (or the fragment itself).
   */
  fragments?: Record<string, Array<Record<string, unknown>>>
  /** Persisted queries by `conf/name`, served at `/graphql/execute.json/conf/name`; created or replaced. */
  persistedQueries?: Record<string, PersistedQueryDefinition>
  /** Users for Basic auth: `{name: password}`, besides the `basicAuth` option's. */
  users?: Record<string, string>
}

/** The server certificate's shape (see emulator/tls.js). */
export type CertificateMode = 'ca-signed' | 'self-signed' | 'expired' | 'wrong-host' | 'expired-self-signed'

/** An AEM outage: `'503'` Dispatcher pages, `'hang'` no answer, `'refuse'` refused connections; null for none. */
export type OutageMode = null | '503' | 'hang' | 'refuse'

/**
 * How the emulator answers asset uploads. Defaults: Oak's AzureDataStore values (`minPartSize`
 * 10485760, `maxPartSize` 104857600, at most 50000 upload URIs), URIs valid 3600 s, direct binary
 * upload on.
 */
export interface UploadSettings {
  /** The `minPartSize` initiateUpload answers; a file gets ceil(fileSize / minPartSize) URIs (at most `maxUriCount`). */
  minPartSize?: number
  /** The `maxPartSize` initiateUpload answers; a larger part PUT answers 413. */
  maxPartSize?: number
  /** At most this many upload URIs per file; a file that does not fit in them at `maxPartSize` answers 400. */
  maxUriCount?: number
  /** How long upload URIs stay valid, in seconds; then the blob store answers 403 AuthenticationFailed. */
  uriLifetimeSeconds?: number
  /** false: the local AEM SDK, without direct binary upload (initiateUpload answers Sling's POST status, no `files`). */
  directBinaryUpload?: boolean
}

/** An earlier binary of an asset, kept by a complete with `createVersion=true`. */
export interface AssetVersion {
  label: string | null
  comment: string | null
  size: number
  mimeType: string
  /** SHA-256, hex. */
  sha256: string
  /** The temporary file that holds its bytes. */
  file: string
  /** ISO date. */
  created: string
}

/** An uploaded asset. Its bytes are on disk, in `file`, never in memory. */
export interface EmulatorAsset {
  /** The decoded repository path, e.g. `/content/dam/a/b/file.bin`. */
  path: string
  size: number
  mimeType: string
  /** SHA-256, hex. */
  sha256: string
  /** The temporary file that holds its bytes (deleted at `reset()` and `close()`). */
  file: string
  created: string
  modified: string
  /** Earlier binaries, oldest first. */
  versions: AssetVersion[]
}

/** A request to an upload route (initiate, complete, folder, create-asset, asset read). */
export interface UploadLogEntry {
  route: 'initiate' | 'complete' | 'folder' | 'create-asset' | 'asset'
  method: string
  /** The decoded path. */
  path: string
  status: number
  /** Whether it carried an affinity cookie that an initiateUpload answer set. */
  affinityCookie: boolean
}

/** A request the blob store received. */
export interface BlobStoreRequest {
  method: string
  /** Raw: the path and query. */
  url: string
  /** Raw path, without the query. */
  path: string
  headers: Record<string, string | string[] | undefined>
}

/** A credential that reached the blob store. */
export interface CredentialSeen {
  method: string
  path: string
  /** Lower case: `authorization`, `x-api-key`, `cookie`, or a header marked with `markClientHeaders`. */
  header: string
  value: string
}

/** Options of `startEmulator` and `useEmulator`. */
export interface EmulatorOptions {
  /** The port on 127.0.0.1; 0 (the default) picks a free one. 443 (as root) gives `imsEndpoint: 'localhost'`. */
  port?: number
  /** Lifetime of the tokens both IMS routes issue, in milliseconds. Default 86399999 (just under 24 h). */
  tokenLifetimeMs?: number
  /** The same in seconds (fractions allowed); wins over `tokenLifetimeMs`. RangeError unless a positive number. */
  tokenLifetimeSeconds?: number
  /** Answer AEM requests without `Authorization` with 401. Default true. */
  requireAuth?: boolean
  /** The first Basic user and password. Default `['admin', 'admin']`. */
  basicAuth?: [string, string]
  /** The server certificate. Default `'ca-signed'`: a leaf for localhost, 127.0.0.1 and ::1 signed by the emulator's own CA. */
  certificate?: CertificateMode
  /**
   * Whose default cache headers persisted queries get: both `Cache-Control: max-age=60`;
   * `Surrogate-Control: max-age=7200, stale-while-revalidate=86400, stale-if-error=86400` on
   * `'publish'` (the default), `max-age=60, …` on `'author'`.
   */
  tier?: 'publish' | 'author'
  /** false drops `Surrogate-Control` from every AEM answer, as a CDN that consumes it does. Default true. */
  surrogateControl?: boolean
  /** AEM's `responseContentTypeGraphQLResponseJson`: GraphQL results with `errors` answer 400 or 500. Default false. */
  graphqlResponseJson?: boolean
  /** The app's own content, loaded at the start and again at every `reset()`. */
  load?: EmulatorContent
  /** Asset upload settings, kept until `reset()` brings them back to these. RangeError or TypeError when invalid. */
  upload?: UploadSettings
  /**
   * AEM's CDN in front of AEM: persisted-query answers kept by URL for their `Surrogate-Control`
   * max-age (`s-maxage`), not purged on publish, purged by `PURGE` with `X-AEM-Purge-Key`
   * (`X-AEM-Purge: soft` marks stale: served once more). `true` for a random purge key. Default false.
   */
  cdn?: boolean | { purgeKey?: string }
}

/** Service credentials as the AEM Developer Console gives them; throwaway, made at every start. */
export type EmulatorCredentials = {
  ok: true
  statusCode: 200
  integration: {
    imsEndpoint: string
    metascopes: string
    technicalAccount: { clientId: string; clientSecret: string }
    email: string
    id: string
    org: string
    privateKey: string
    publicKey: string
  }
}

/** A request the emulator received. */
export interface RecordedRequest {
  method: string
  /** Raw, as received: the path and query. */
  url: string
  headers: Record<string, string | string[] | undefined>
  body: string
  /** The W3C trace context it carried, if any. */
  traceparent?: string
}

/** What `fail` makes the next requests answer. */
export interface FailOptions {
  /** 400 … 599. Default 503. */
  status?: number
  /** `Retry-After`: seconds or an HTTP date. Default none. */
  retryAfter?: number | string | null
  /** A raw path prefix, e.g. `/graphql/execute.json/my-app/articles`. Default `/`: every AEM route. */
  path?: string
  /** Only requests of this method. */
  method?: string
  /**
   * The body, instead of the route's own: a string as is (`text/plain` unless `contentType`),
   * anything else as JSON. Default: a Dispatcher HTML page for 503, else AEM's servlet error JSON;
   * problem+json under `/adobe/sites`.
   */
  body?: unknown
  /** The body's `Content-Type`. */
  contentType?: string
}

/** Options of `failNextSitesRequests`. */
export interface SitesFailOptions {
  /** 400 … 599. Default 503. */
  status?: number
  /** `Retry-After`: seconds or an HTTP date; null for none. Default 1. */
  retryAfter?: number | string | null
  /** A raw path prefix. Default `/adobe/sites`. */
  path?: string
  /** Only requests of this method. */
  method?: string
}

/** A fault of a delivery: both signatures over other bytes, the first only, the second signature alone, or key paths that answer 404. */
export type EventFault = 'bad-signature' | 'bad-first' | 'one-key' | 'unknown-key'

/** AEM's events as Adobe I/O Events delivers them to a webhook, signed with the emulator's two key pairs. */
export interface EmulatorEvents {
  /** A CloudEvent of `type` (`aem.sites.contentFragment.modified`, …) for the credentials' integration, with a fresh `id`; `overrides` replace its attributes. */
  event(type: string, data: Record<string, unknown>, overrides?: Record<string, unknown>): Record<string, unknown>
  /** POSTs one event, or an array as a batch, to the webhook `url`, signed (with `fault`, wrongly); `retryCount` sends `x-adobe-retry-count`. */
  deliver(url: string, events: object | object[], options?: { fault?: EventFault; retryCount?: number }): Promise<{ status: number; body: string }>
  /** The registration's handshake: `GET url?challenge=…`. */
  challenge(url: string): Promise<{ status: number; body: string; challenge: string }>
  /** The signature headers a delivery of `body` carries. */
  signatureHeaders(body: string, fault?: EventFault | null): Record<string, string>
  /** The events' `source`: `acct:aem-p12345-e67890@adobe.com`. */
  readonly source: string
  /** The recipient: the credentials' client id. */
  readonly recipient: string
  /** Where the public keys are served, as static.adobeioevents.com serves them: the emulator's URL (the handler's `publicKeyOrigin`). */
  readonly publicKeyOrigin: string
  /** The keys' paths (`/prod/keys/….pem`). */
  readonly keyPaths: string[]
  /** Puts events in the journal, as I/O Events journals every event of a registration. */
  record(events: object | object[]): void
  /** Drops every event journaled so far, as retention does: a position among them answers 410 Gone. */
  expireJournal(): void
  /** The seconds a 204 at the journal's end asks to wait (`retry-after`). Default 1. */
  setJournalRetryAfter(seconds: number): void
  /** The IMS organization the journal takes as `x-ims-org-id`: the credentials'. */
  readonly org: string
  /** The registration's journal URL (`GET` with the integration's token, `x-api-key`, `x-ims-org-id`). */
  readonly journalUrl: string
  /**
   * Subscribes a webhook to the events content changes raise (`emit`, `publishing`), delivered as
   * I/O Events delivers: signed, one per POST (`batch`: one POST per change), retried while the
   * webhook fails (`retries`, default 3, `retryMs` later, default 200, doubling, with
   * `x-adobe-retry-count`). Faults: `duplicate` (each delivery once more, as a retry), `reorder`
   * (the events of one change last first), `drop` (the next that many events never delivered).
   */
  subscribe(url: string, options?: { batch?: boolean; retries?: number; retryMs?: number; duplicate?: boolean; reorder?: boolean; drop?: number }): EventSubscription
  /** What I/O Events does with the events of one content change: journals them and delivers them to every webhook subscribed. */
  emit(events: object | object[]): void
}

/** A webhook subscribed to the emulator's events. */
export interface EventSubscription {
  readonly url: string
  /** Every POST made: the events' ids, the webhook's status (null: not reached) and the retry count sent. */
  readonly deliveries: Array<{ ids: string[]; status: number | null; retryCount: number }>
  /** Resolves once every delivery so far (and its retries) is done. */
  idle(): Promise<void>
  /** Drops the next `count` events (the journal still has them). */
  drop(count: number): void
  unsubscribe(): void
}

/**
 * Content changes as AEM makes them (emulator/publishing.js): an author's drafts, and publishing
 * through Adobe's `POST /adobe/sites/cf/fragments/publish` (`{paths}`; with a `workflowModelId` of
 * a deactivation, unpublishing), which persisted queries answer after the replication delay. Each
 * change raises its events (`created`, `modified`, `published`, `unpublished`) to the journal and
 * the webhooks subscribed. The route takes the Sites API's `X-Api-Key`. Only fragments of the
 * app's own models change this way.
 */
export interface EmulatorPublishing {
  /**
   * An author's edit of fragments of `model` (each with its `_path`): drafts, not served until
   * published; a `created` or `modified` event each. The Sites API's `PATCH` / `PUT
   * /adobe/sites/cf/fragments/{id}` of an app's fragment (its `elements` are the fields) does the same.
   */
  modify(model: string, items: Array<Record<string, unknown> & { _path: string }>): void
  /** How long a publication takes to reach what persisted queries answer, in milliseconds (the `published` event goes out at once). Default 0. */
  setReplicationDelay(ms: number): void
  /** Holds publications back from what persisted queries answer until `releaseReplication` (their events go out at once): replication as slow as a test needs, without a clock. */
  holdReplication(): void
  /** Lets the publications held back through, in order, and stops holding them. */
  releaseReplication(): void
  /** The paths drafted and not published. */
  drafts(): string[]
  /** Resolves once every replication under way is done. */
  idle(): Promise<void>
}

/** A started emulator. */
export interface Emulator {
  /** The base URL, e.g. `https://127.0.0.1:43210` (`https://127.0.0.1` on 443): AEM and IMS. */
  readonly url: string
  /** The port it listens on. */
  readonly port: number
  /** Always `127.0.0.1`. */
  readonly host: string
  /** `127.0.0.1:PORT` (`localhost` on 443), as the credentials say. */
  readonly imsEndpoint: string
  /** The PEM to trust (the `ca` option): the emulator's CA, or the certificate itself in the self-signed modes. */
  readonly caPem: string
  /** Service credentials whose `imsEndpoint` is this emulator. */
  readonly credentials: EmulatorCredentials
  /** A local development token (24 h), shaped as IMS shapes it. */
  readonly devToken: { ok: true; statusCode: 200; accessToken: string }
  /** Adobe I/O Events as a webhook receives AEM's events (emulator/events.js). */
  readonly events: EmulatorEvents
  /** Content changes as AEM makes them: drafts, publishing and its replication delay (emulator/publishing.js). */
  readonly publishing: EmulatorPublishing
  /** AEM's CDN in front of AEM, with the `cdn` option (emulator/cdn.js); null without it. */
  readonly cdn: {
    /** Persisted-query GETs answered from the CDN, sent on to AEM, and PURGEs taken. */
    readonly stats: { hits: number; misses: number; purges: number }
    /** The `X-AEM-Purge-Key` a PURGE must carry. */
    readonly purgeKey: string
    /** Forgets every copy. */
    clear(): void
  } | null
  /** The `X-Api-Key` the Sites API requires: the credentials' client id. */
  readonly apiKey: string
  /** Every request received, in order. */
  readonly requests: RecordedRequest[]
  /** Counters: IMS exchanges and OAuth tokens, persisted-query requests that reached AEM, 304s among them, requests an outage met. */
  readonly stats: { exchanges: number; oauthTokens: number; persistedQueries: number; notModified: number; outageAnswers: number }
  /**
   * The second origin: the Sites API's `/asset` route redirects to it, and the upload URIs of direct
   * binary upload point at it. `requests` records every request it received.
   */
  readonly blobStore: {
    url: string
    port: number
    requests: BlobStoreRequest[]
    clearRequests(): void
    /** The credentials among `requests`: `authorization`, `x-api-key`, `cookie`, the marked headers and `more`. */
    credentialsSeen(more?: string[]): CredentialSeen[]
    /** Headers (any case) that `credentialsSeen` also reports, until `reset()`. */
    markClientHeaders(names: string | string[]): void
  }
  /** The DAM: uploaded assets (bytes on disk) and folders. `/content/dam` exists from the start. */
  readonly assets: {
    /** The asset at a decoded repository path, or undefined. */
    get(path: string): EmulatorAsset | undefined
    /** Every asset, by path. */
    list(): EmulatorAsset[]
    /** Every folder path, sorted. */
    folders(): string[]
    /** Creates a folder (its parent must exist; RangeError otherwise). */
    addFolder(path: string, title?: string): void
  }
  /** Asset upload settings and faults (all undone by `reset()`). */
  readonly uploads: {
    /** The current settings. */
    readonly settings: Required<UploadSettings>
    /** Changes some settings from now on; uploads initiated before keep their part sizes and URIs. */
    configure(settings: UploadSettings): void
    /** The next `count` (default 1) part PUTs answer `status` (default 503, Azure's `ServerBusy` XML). */
    failNextParts(count?: number, options?: { status?: number }): void
    /** The next `count` (default 1) part PUTs answer 403 `AuthenticationFailed`, as Azure answers an expired SAS. */
    expireNextParts(count?: number): void
    /** Each folder created from now on answers 404 to its first `count` initiateUpload requests (eventual consistency); 0 stops. */
    lagFolderCreation(count?: number): void
    /** true (the default): completing onto an existing asset without `replace` or `createVersion` answers 409. */
    rejectExistingAssets(on?: boolean): void
    /** Every request to an upload route, in order. */
    readonly log: UploadLogEntry[]
    /** Empties `log`. */
    clearLog(): void
  }
  /** The current AEM outage. */
  readonly aemOutage: OutageMode
  /** Writes `service-credentials.json`, `dev-token.json` and `ca.pem` into `dir` (created if missing). */
  writeFiles(dir: string): { credentialsFile: string; devTokenFile: string; caFile: string }
  /** Empties `requests`. */
  clearRequests(): void

  /**
   * Loads the app's own content: Basic `users`, `models`, their `fragments`, then
   * `persistedQueries` (checked against the models). TypeError at the first invalid entry; what
   * came before it stays loaded.
   */
  load(content: EmulatorContent): void
  /** Adds a Content Fragment Model (or replaces one of that name): `load({models: {[name]: fields}})`. */
  addModel(name: string, fields: Record<string, string>): void
  /** Adds fragments to a model: `load({fragments: {[model]: items}})`. */
  addFragments(model: string, items: Array<Record<string, unknown>>): void
  /**
   * Persists a query at `conf/name` (created or replaced), served at
   * `/graphql/execute.json/conf/name` with AEM's cache headers: `cache`'s values, else the defaults.
   * TypeError for a query the schema rejects (graphql-js's message) or a built-in name.
   */
  persistQuery(path: string, query: string, cache?: CachePolicy): void
  /** One more user for Basic auth: `load({users: {[name]: password}})`. */
  addUser(name: string, password: string): void
  /**
   * Replaces the tier's default cache headers of every persisted query, as AEM's Persisted Query
   * Service configuration does (a query persisted with values of its own keeps them); null goes back
   * to the tier's.
   */
  setCacheHeaders(policy: CachePolicy | null): void

  /**
   * The next `count` (default 1) AEM requests (not IMS, not the blob store) that match `options`
   * answer `status`, after authorization. Rules queue up; a request meets the first that matches.
   */
  fail(count?: number, options?: FailOptions): void
  /** Forgets the pending `fail` rules. */
  clearFaults(): void
  /** `fail` with the Sites API's defaults (`path: '/adobe/sites'`, `retryAfter: 1`), problem+json. */
  failNextSitesRequests(count?: number, options?: SitesFailOptions): void
  /** The same as `clearFaults`. */
  clearSitesFaults(): void
  /** The next `count` (default 1) IMS token requests answer 503 `internal_error`, as IMS does in an outage. */
  failNextTokenRequests(count?: number): void
  /** IMS answers every token request `ms` late from now on (0 to stop). */
  delayTokenRequests(ms: number): void
  /** An AEM outage from now on (null ends it); resolves once in effect. RangeError for another mode. */
  setAemOutage(mode: OutageMode): Promise<void>

  /** The lifetime, in seconds, of the tokens issued from now on. RangeError unless a positive number. */
  setTokenLifetime(seconds: number): void
  /** A new valid access token (default: the current token lifetime). */
  issueToken(lifetimeMs?: number): string
  /** Makes a token invalid: AEM then answers 401. */
  revokeToken(token: string): boolean

  /**
   * Back to how it was when it started: no outage, no pending failure, no request recorded,
   * counters at 0, the starting token lifetime, and the start's content, queries, users and cache
   * headers (its `load` option included); no asset and no folder but `/content/dam`, the start's
   * upload settings, no upload fault. Tokens issued stay valid.
   */
  reset(): Promise<void>
  /** Stops the emulator and its blob store and drops every open connection. */
  close(): Promise<void>
}

/** A client configuration for `new AEMHeadless(…)` against the emulator. */
export type EmulatorClientOptions = { serviceURL: string; ca: string; auth?: string }

/** The emulator of `useEmulator`: readable inside tests and hooks, once it started. */
export interface EmulatorHandle extends Emulator {
  /** The started Emulator itself. */
  readonly emulator: Emulator
  /**
   * `{serviceURL, ca, auth: devToken}` with `more` over it; given `credentials` or `tokenProvider`,
   * no `auth`: `new AEMHeadless(aem.clientOptions({credentials: aem.credentials}))`.
   */
  clientOptions<T extends object = {}>(more?: T): EmulatorClientOptions & T
}

/** A test framework's hooks, for one without globals (vitest's default): as imported from it. */
export interface TestHooks {
  beforeAll?: (fn: () => Promise<void>) => unknown
  afterAll?: (fn: () => Promise<void>) => unknown
  before?: (fn: () => Promise<void>) => unknown
  after?: (fn: () => Promise<void>) => unknown
}

/** Starts an emulator; certificates, credentials and tokens are made fresh at every start (under a second). */
export declare function startEmulator(options?: EmulatorOptions): Promise<Emulator>

/**
 * Starts an emulator before the tests of the file (or of the `describe` block it is called in) and
 * closes it after them, with the test framework's hooks: jest, vitest with `globals`, bun
 * (`beforeAll`/`afterAll`), mocha (`before`/`after`) and `node:test` are found; pass others as `hooks`.
 * Reading the handle before the start or after the close throws.
 */
export declare function useEmulator(options?: EmulatorOptions, hooks?: TestHooks): EmulatorHandle

/**
 * Reads an app's content from a folder, each part optional: `models.json`, `fragments.json`,
 * `users.json`, `persistedQueries.json` (each as that key of `EmulatorContent`), and
 * `queries/{conf}/{name}.graphql` (the text of the persisted query `conf/name`).
 */
export declare function readFixtures(dir: string): EmulatorContent
