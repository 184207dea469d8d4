/**
 * aem-headless-rs: a server-to-server client for AEM as a Cloud Service with a Rust core.
 * A drop-in for `@adobe/aem-headless-client-nodejs` 2.x.
 */

/** A client for AEM's GraphQL APIs. */
declare class AEMHeadless {
  /** The class itself, as Adobe's package exports it. */
  static readonly AEMHeadless: typeof AEMHeadless
  /** @param config the AEM host, or a configuration */
  constructor(config: string | AEMHeadless.AEMHeadlessConfig)
  /** The AEM host, with a trailing `/`. */
  readonly serviceURL: string
  /** The ad-hoc query endpoint, without a leading `/`. */
  readonly endpoint: string
  /** The config's `fetch`, else `globalThis.fetch`, as Adobe's client exposes its fetch. */
  readonly fetch: AEMHeadless.FetchFunction | typeof globalThis.fetch
  /** Runs a persisted query (`conf/name`); GET by default, `{ method: 'POST' }` puts the variables in a body. */
  runPersistedQuery<TData = Record<string, unknown>>(
    path: string,
    variables?: Record<string, AEMHeadless.VariableValue>,
    options?: AEMHeadless.RequestOptions,
    retryOptions?: AEMHeadless.RetryOptions
  ): Promise<AEMHeadless.GraphQLResponse<TData>>
  /** Runs an ad-hoc query: POST to the endpoint. */
  runQuery<TData = Record<string, unknown>>(
    body: string | { query: string; variables?: Record<string, unknown> },
    options?: AEMHeadless.RequestOptions,
    retryOptions?: AEMHeadless.RetryOptions
  ): Promise<AEMHeadless.GraphQLResponse<TData>>
  /** Persists a query at `conf/name`: PUT `graphql/persist.json/{path}` (`{ method: 'POST' }` updates). */
  persistQuery(query: string, path: string, options?: AEMHeadless.RequestOptions, retryOptions?: AEMHeadless.RetryOptions): Promise<AEMHeadless.PersistResult>
  /** Lists the persisted queries: GET `graphql/list.json`. */
  listPersistedQueries(options?: AEMHeadless.RequestOptions, retryOptions?: AEMHeadless.RetryOptions): Promise<AEMHeadless.PersistedQueryList[]>
  /** With `args._path`: the one item at that path (`{model}ByPath`), yielded once. */
  runPaginatedQuery<TItem = Record<string, unknown>>(
    model: string,
    fields: string,
    config: AEMHeadless.PaginationConfig | undefined,
    args: AEMHeadless.QueryArgs & { _path: string },
    options?: AEMHeadless.RequestOptions,
    retryOptions?: AEMHeadless.RetryOptions
  ): AsyncGenerator<TItem, void, undefined>
  /** Pages through a model's items, yielding one array of items per page. */
  runPaginatedQuery<TItem = Record<string, unknown>>(
    model: string,
    fields: string,
    config?: AEMHeadless.PaginationConfig,
    args?: AEMHeadless.QueryArgs,
    options?: AEMHeadless.RequestOptions,
    retryOptions?: AEMHeadless.RetryOptions
  ): AsyncGenerator<TItem[], void, undefined>
  /** The query `runPaginatedQuery` sends for one page, with the same text as Adobe's builder. */
  buildQuery(model: string, fields: string, config?: AEMHeadless.PaginationConfig, args?: AEMHeadless.QueryArgs): AEMHeadless.QueryBuilderResult
  /** Drops every response the `cache` option kept. Does nothing without a cache. */
  clearCache(): void
  /** The response cache's controls: `invalidate` marks answers stale or removes them. */
  readonly cache: AEMHeadless.CacheControls
  /** AEM's events from Adobe I/O Events' Journaling API: read it, or follow it to keep the cache fresh. */
  readonly events: AEMHeadless.EventControls
  /**
   * The Fetch API for any AEM API, bound to this client (pass it around unbound, e.g. as
   * `openapi-fetch`'s `fetch`). A path resolves against `serviceURL`. To the service URL's origin
   * only, it adds the managed token (or `auth`), `X-Api-Key` (the credentials' client id, or
   * `apiKey`) and the client's headers; redirects are followed without them to other origins. It
   * refreshes the token and sends again once on a 401, retries idempotent requests (and any with
   * an `Idempotency-Key` header) on 429 and 5xx after `Retry-After`, and bounds the wait for the answer's headers by `timeout`. It
   * resolves with the `Response` for every status, its body unread (streamed), and rejects as
   * fetch does: network failure (`TypeError`), abort (the signal's reason), timeout
   * (`DOMException` `TimeoutError`), or an `AEMHeadlessError` when no token could be had. With
   * the client's `cache` on, GETs to AEM go through it (fetch's `cache` mode `default`; any other
   * mode, such as `'no-store'`, skips it), and a cached answer's body is whole, not streamed.
   */
  readonly authFetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>
  /**
   * Sends a request to any AEM API and resolves with its parsed body: JSON for JSON types, text
   * for text and XML, a Buffer for other types, `null` without a body. A non-2xx answer rejects
   * with `API_ERROR` carrying `sdkDetails.status`, `etag` and the RFC 7807 `problem`. With the
   * client's `cache` on, GETs to the service URL go through it.
   */
  request<T = unknown>(path: string | URL, options?: AEMHeadless.ApiRequestOptions & { full?: false }): Promise<T>
  /** `request` with `full: true`: the status, headers, `ETag` and parsed body. */
  request<T = unknown>(path: string | URL, options: AEMHeadless.ApiRequestOptions & { full: true }): Promise<AEMHeadless.ApiResponse<T>>
  /** `request` with `full` not known until run time. */
  request<T = unknown>(path: string | URL, options?: AEMHeadless.ApiRequestOptions): Promise<T | AEMHeadless.ApiResponse<T>>
  /**
   * Every item of a collection paged by `limit` and an opaque `cursor` (AEM's OpenAPI-based
   * APIs), following `cursor` until the last page; stops with the signal.
   */
  paginate<TItem = unknown>(path: string | URL, options?: AEMHeadless.PaginateOptions): AsyncGenerator<TItem, void, undefined>
  /**
   * Uploads files to a DAM folder by AEM's direct binary upload: paths of files or directories
   * (walked recursively, their folders created), or objects naming one file. Parts are read from
   * disk (or the stream) a few at a time and PUT to the blob store's pre-signed URIs without any of
   * AEM's credentials; `complete` makes each asset. Resolves with every file's outcome; one failed
   * file does not stop the others unless `stopOnError`. Where AEM has no direct binary upload (the
   * local SDK), files go to the folder's create-asset servlet.
   */
  upload(folder: string, files: AEMHeadless.UploadFile | AEMHeadless.UploadFile[], options?: AEMHeadless.UploadOptions): Promise<AEMHeadless.UploadResult>
}

declare namespace AEMHeadless {
  /** The stable error codes, the same as Adobe's. */
  export type ErrorCode =
    | 'REQUEST_ERROR'
    | 'RESPONSE_ERROR'
    | 'API_ERROR'
    | 'INVALID_PARAM'
    | 'AUTH_FILE_READ_ERROR'
    | 'AUTH_FILE_PARSE_ERROR'
    | 'EXCHANGE_TOKEN_ERROR'
    | 'INTERNAL_ERROR'

  /** One GraphQL error object as AEM returns it. */
  export interface GraphQLError {
    message: string
    locations?: Array<{ line: number; column: number }>
    path?: Array<string | number>
    extensions?: Record<string, unknown>
    [key: string]: unknown
  }

  /** What an error knows about the call that failed. */
  export interface SdkDetails {
    /** The AEM host, with a trailing `/`. */
    serviceURL?: string
    /** The path called, relative to `serviceURL`. */
    endpoint?: string
    /** The HTTP status, when a response arrived. */
    status?: number
    /** AEM's whole JSON error body (API_ERROR). */
    body?: unknown
    /** GraphQL `errors` (API_ERROR with an errors array, RESPONSE_ERROR for a 2xx with errors). */
    errors?: GraphQLError[]
    /** Partial `data` that came with GraphQL errors. */
    data?: unknown
    /** The start of a body that is not JSON (an empty 401, a Dispatcher error page). */
    excerpt?: string
    /** AEM's request id response header. */
    requestId?: string
    /** IMS's `error` (EXCHANGE_TOKEN_ERROR). */
    imsError?: string
    /** IMS's `error_description` (EXCHANGE_TOKEN_ERROR). */
    imsErrorDescription?: string
    /** IMS's `x-debug-id` response header (EXCHANGE_TOKEN_ERROR). */
    debugId?: string
    /** Every missing or mistyped credentials field (INVALID_PARAM). */
    problems?: string[]
    /** How many attempts were made, retries included. */
    attempts?: number
    /** True when the request timed out (REQUEST_ERROR). */
    timeout?: boolean
    /** The HTTP method (`request`). */
    method?: string
    /** The answer's `ETag` (`request`'s API_ERROR: the current one after a 412). */
    etag?: string
    /** The RFC 7807 problem of an `application/problem+json` answer (`request`'s API_ERROR). */
    problem?: Problem
    /**
     * The URL (redacted) of another origin than AEM's that answered, after a redirect: none of
     * the client's credentials went there, and its 401 says nothing of AEM's token.
     */
    answeredBy?: string
  }

  /** Adobe's `toJSON()` shape. */
  export interface AEMHeadlessErrorJSON {
    sdk: 'AEMHeadless'
    sdkDetails: SdkDetails
    code: ErrorCode
    message: string
    stacktrace: string | undefined
  }

  /** The error every call rejects with. Its message is `[AEMHeadless:CODE] …` and holds no secret. */
  export class AEMHeadlessError extends Error {
    constructor(code: ErrorCode, text: string, sdkDetails?: SdkDetails, options?: { cause?: unknown })
    readonly name: 'AEMHeadlessError'
    readonly code: ErrorCode
    readonly sdk: 'AEMHeadless'
    readonly sdkDetails: SdkDetails
    toJSON(): AEMHeadlessErrorJSON
  }

  /** Constructor of one code's error class, as Adobe's `ErrorCodes.X` are. */
  export interface ErrorClass {
    new (init?: { sdkDetails?: SdkDetails; messageValues?: unknown; cause?: unknown }): AEMHeadlessError
  }

  /** One error class per code; each extends `AEMHeadlessError`. */
  export const ErrorCodes: { readonly [C in ErrorCode]: ErrorClass }

  /** Configuration of a client. */
  export interface AEMHeadlessConfig {
    /** The AEM host, e.g. `https://publish-p123-e456.adobeaemcloud.com`. Default: `/` (which fails on calls on the native transport: Node.js has no origin; a `fetch` gets paths from the root). */
    serviceURL?: string
    /** The GraphQL endpoint for ad-hoc queries. Default: `content/graphql/global/endpoint.json`. */
    endpoint?: string
    /** A Bearer access token, or a `[user, password]` pair for Basic auth. */
    auth?: string | [string, string]
    /** Credentials to get tokens from (a file path, the parsed JSON, or loadCredentials' result): a TokenProvider is made for this client. */
    credentials?: string | CredentialsJSON | LoadedCredentials
    /** The passphrase of an encrypted private key in `credentials`. */
    passphrase?: string
    /** Allows a plain `http://` imsEndpoint for `credentials` (a local test server). */
    allowInsecureHttp?: boolean
    /** Replaces the `imsEndpoint` of `credentials`. */
    imsEndpoint?: string
    /** A provider shared with other clients (instead of `credentials`). */
    tokenProvider?: AccessTokenSource
    /** Headers sent with every request, in any shape fetch takes. */
    headers?: HeaderInput
    /** The trusted CA certificates (PEM); they replace Node's default set (its roots and `NODE_EXTRA_CA_CERTS`), as Node's `ca` does. */
    ca?: CaOption
    /** How failed requests (connection errors, 429, 5xx) are retried. */
    retries?: RetrySettings
    /** The longest a request may take, retries and waits included, in milliseconds. Default 30000. */
    timeout?: number
    /** The longest a connection may take to open, in milliseconds. Default 10000. */
    connectTimeout?: number
    /** The largest response body accepted (after decompression), in bytes. Default 64 MiB. */
    maxResponseBytes?: number
    /** A proxy for AEM and IMS (`http://[user:password@]host:port`). Without it, HTTPS_PROXY, HTTP_PROXY and NO_PROXY apply. */
    proxy?: string
    /** How many requests may be in flight at once; more wait their turn (within their timeout). Default 256. */
    maxConcurrentRequests?: number
    /**
     * Keep persisted-query GET responses in memory for as long as their `Cache-Control: max-age`
     * (less `Age`) allows, keyed by URL, the `Authorization` in force and the call's headers.
     * Errors and responses marked `private`, `no-store` or `no-cache` are never stored.
     * `true` for the defaults. Off by default.
     */
    cache?: boolean | CacheOptions
    /**
     * Let identical persisted-query GETs (same URL, `Authorization` and headers) in flight at the
     * same time share one request and its outcome. Off by default.
     */
    coalesce?: boolean
    /** Where request and token events go; off by default (see `LoggerOption`). */
    logger?: LoggerOption
    /**
     * `false` keeps this client's requests (and the token requests of the `TokenProvider` that
     * `credentials` makes) out of OpenTelemetry: no span, no `http.client.request.duration`, no
     * `traceparent` on the wire. Default true: with `@opentelemetry/api` installed and an SDK
     * registered, every request is a CLIENT span. The `diagnostics_channel` channels publish
     * to their subscribers either way.
     */
    tracing?: boolean
    /**
     * The app's own fetch: every request of this client, to AEM and to IMS, goes through it,
     * called as Adobe's client calls it, `fetch(url, options, retryOptions)`. It owns retries:
     * the client makes one attempt per call and gives the call's retry options as the third
     * argument. Timeouts, `signal`, the 401 refresh, the cache and tracing still apply.
     */
    fetch?: FetchFunction
    /**
     * What carries the requests. `'auto'` (the default): the native client, unless a test
     * runner runs the process (jest, vitest, `node --test`, mocha, ava) or the app has replaced
     * part of Node's network (`http.request`, `globalThis.fetch`, undici's global dispatcher:
     * nock, msw, `MockAgent`, jest-fetch-mock), checked at each request; then the fetch that
     * reaches what it put there, as Adobe's client's requests would, with its timers.
     * `'native'`: always the Rust HTTP client. `'fetch'`: always `globalThis.fetch`, looked up at
     * each request. The client retries on every transport. Default: `AEM_HEADLESS_TRANSPORT`,
     * else `'auto'`.
     */
    transport?: Transport
    /** The `X-Api-Key` `authFetch` and `request` send to the service URL's origin. Default: the credentials' client id. */
    apiKey?: string
  }

  /** Options of `request`. */
  export interface ApiRequestOptions {
    /** The HTTP method. Default `GET`. */
    method?: string
    /** Added to the URL's query; an array repeats its name, `undefined` and `null` are left out. */
    query?: Record<string, string | number | boolean | null | undefined | Array<string | number | boolean>> | URLSearchParams | string
    /** A body sent as JSON, with `Content-Type: application/json` unless `headers` set one. */
    json?: unknown
    /** Any other body fetch takes: a string, bytes, a stream, a `Blob`, `FormData`. */
    body?: RequestInit['body']
    /** This request's headers (`If-Match`, `Content-Type`, …). */
    headers?: ConstructorParameters<typeof Headers>[0]
    /** Aborts the request, and the polling of a long operation. */
    signal?: AbortSignal
    /** On a 202 with `Location`, poll it at the pace `Retry-After` sets until the operation ends, within `timeout` ms (default 5 minutes). */
    wait?: boolean | { timeout?: number }
    /** Resolve with `{status, headers, etag, body}` instead of the body. */
    full?: boolean
  }

  /** What `request` resolves with under `full: true`. */
  export interface ApiResponse<T = unknown> {
    status: number
    headers: Headers
    /** The `ETag`, for `If-Match` on an update. */
    etag: string | undefined
    body: T
  }

  /** A file to upload: a path (a file or a directory), or one file's bytes and options. */
  export type UploadFile = string | UploadFileSpec

  /** One file to upload, and its own options. */
  export interface UploadFileSpec extends UploadVersioning {
    /** The asset's name in AEM; the file's base name by default. */
    fileName?: string
    /** A file on disk, read a part at a time. */
    filePath?: string
    /** A stream read in order (give `fileSize`). */
    stream?: AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array>
    /** Bytes in memory. */
    buffer?: Uint8Array | ArrayBuffer
    /** A Blob (`fs.openAsBlob` reads from disk as it is sent). */
    blob?: Blob
    /** The size in bytes: needed for a stream. */
    fileSize?: number
    /** Headers of this file's part PUTs. */
    partHeaders?: Record<string, string>
  }

  /** What `complete` is told about versions. */
  export interface UploadVersioning {
    /** Replace an existing asset; without it (or `createVersion`) an existing one is `EALREADYEXISTS`. */
    replace?: boolean
    /** Keep the existing asset as a version. */
    createVersion?: boolean
    versionLabel?: string
    versionComment?: string
  }

  /** Options of `upload`. */
  export interface UploadOptions extends UploadVersioning {
    /** Parts in flight at once, across files. Default 8; memory is about this times the part size. */
    concurrency?: number
    /** Cancels everything: no file that was not completed becomes an asset. */
    signal?: AbortSignal
    /** Hears every event. */
    onProgress?: (event: UploadEvent) => void
    /** The first failed file cancels the others. Default false. */
    stopOnError?: boolean
    /** Create the target folder (and missing parents) and the folders of directories. Default true. */
    createFolders?: boolean
    /** Headers of every part PUT. */
    partHeaders?: Record<string, string>
    /** The DAM node name of a local directory; its name as is by default. */
    folderNodeName?: (name: string) => string
    /** Folders the app has just created: AEM's 404 to `initiateUpload` in them is waited out. */
    settleFolders?: string[]
  }

  /** An upload's event. */
  export type UploadEvent =
    | ({ type: 'filestart' | 'fileend' | 'filecancelled' } & UploadFileEvent)
    | ({ type: 'fileprogress', transferred: number } & UploadFileEvent)
    | ({ type: 'fileerror', errors: UploadError[] } & UploadFileEvent)
    | { type: 'foldercreated', folderName: string, targetParent: string, targetFolder: string }
    // The run's progress: bytes sent of all files, their total (files whose size was known), the rate so far.
    | { type: 'progress', transferred: number, total: number, bytesPerSecond: number }

  /** What an event says of its file. */
  export interface UploadFileEvent {
    fileName: string
    fileSize: number
    /** The DAM folder. */
    targetFolder: string
    /** The asset's DAM path. */
    targetFile: string
    mimeType?: string
  }

  /** An upload's error, as `@adobe/aem-upload` has it. */
  export interface UploadError extends Error {
    /** `EALREADYEXISTS`, `EFORBIDDEN`, `ENOTFOUND`, `ENOTSUPPORTED`, `EINVALIDOPTIONS`, `ENOTAUTHORIZED`, `ETOOLARGE`, `EUSERCANCELLED`, `EUNEXPECTEDAPISTATE` or `EUNKNOWN`. */
    code: string
    /** The HTTP status answered, when there was one. */
    readonly status?: number
    getCode(): string
    getHttpStatusCode(): number
    toJSON(): { message: string, code: string }
  }

  /** The outcome of `upload`. */
  export interface UploadResult {
    folder: string
    files: Array<{
      fileName: string
      targetFolder: string
      targetPath: string
      localPath?: string
      fileSize: number
      mimeType?: string
      status: 'uploaded' | 'failed' | 'cancelled'
      /** The bytes of the file's parts that were sent. */
      transferred?: number
      errors: UploadError[]
      elapsedMs: number
    }>
    /** The folders made (`created`) or found. */
    folders: Array<{ path: string, created: boolean }>
    totals: { files: number, uploaded: number, failed: number, cancelled: number, bytes: number, elapsedMs: number, bytesPerSecond: number }
  }

  /** Options of `paginate`. */
  export interface PaginateOptions {
    /** The query of every page (`limit`, filters); `cursor` starts from a given page. */
    query?: Record<string, string | number | boolean | null | undefined | Array<string | number | boolean>> | URLSearchParams | string
    headers?: ConstructorParameters<typeof Headers>[0]
    /** Stops the pages: the iterator then throws `REQUEST_ERROR`. A cursor that comes twice ends them with `RESPONSE_ERROR`. */
    signal?: AbortSignal
    /** The field of a page that holds its items. Default `items`. */
    items?: string
  }

  /** An RFC 7807 problem, as AEM's OpenAPI-based APIs answer errors. */
  export interface Problem {
    type?: string
    title?: string
    status?: number
    detail?: string
    instance?: string
    [key: string]: unknown
  }

  /** What carries the requests: chosen at each request, the Rust HTTP client, or `globalThis.fetch`. */
  export type Transport = 'auto' | 'native' | 'fetch'

  /** The options a `fetch` is called with: what Adobe's client gives it. */
  export interface FetchInit {
    method: string
    /** Header names as Adobe's client spells them (`Content-Type`, `Authorization`). */
    headers: Record<string, string>
    body?: string
    /** Aborted when the call times out or its own signal aborts. */
    signal: AbortSignal
  }

  /** What a `fetch` resolves with, read through fetch's interface; a minimal double works. */
  export interface FetchLikeResponse {
    /** The HTTP status; without it, `ok: true` reads as 200 and `ok: false` as 400. */
    status?: number
    ok?: boolean
    /** Any Headers-like object, `Map`, pairs or plain object. */
    headers?: unknown
    /** The body; read instead of `json()` when present. */
    text?(): Promise<string>
    json?(): Promise<unknown>
  }

  /** A `fetch` as `config.fetch` takes it: WHATWG fetch, node-fetch, undici's, or a double. */
  export type FetchFunction = (url: string, init: FetchInit, retryOptions: RetryOptions) => Promise<FetchLikeResponse>

  /** What `cache.invalidate` reaches, and how. At least one of `paths`, `prefixes`, `models`, `queries` or `all`. */
  export interface Invalidation {
    /** Answers that hold any of these GraphQL `_path` values. */
    paths?: string[]
    /** Answers that hold a path under any of these prefixes (`/content/dam/site/en/`). */
    prefixes?: string[]
    /**
     * Answers that list these Content Fragment models, by path (`/conf/site/settings/dam/cfm/models/article`)
     * or name (`article`): those with an `articleList` or `articlePaginated` field, and the
     * queries `cache.models` declares for them.
     */
    models?: string[]
    /** Answers of these persisted queries (`conf/name`). */
    queries?: string[]
    /** Every answer. */
    all?: boolean
    /**
     * `'soft'` (the default): stale now, still served within `stale-while-revalidate` (counted
     * from now) while revalidated with their validators. `'hard'`: removed.
     */
    mode?: 'soft' | 'hard'
    /**
     * Only the answers whose content has not changed since this time (a `Date`, or epoch
     * milliseconds): the same `ETag` (or, without one, the same body) since then, however often
     * revalidated. What the settle rounds of AEM's events use.
     */
    unchangedSince?: Date | number
  }

  /** The response cache's controls. */
  export interface CacheControls {
    /** Invalidates the answers `invalidation` reaches; resolves with how many this process held. */
    invalidate(invalidation: Invalidation): Promise<{ invalidated: number }>
  }

  /** Bounds of the response cache; the least recently used entries go first. */
  export interface CacheOptions {
    /** The most responses kept. Default 1000. */
    maxEntries?: number
    /** The most bytes kept (URLs and bodies). Default 64 MiB. */
    maxBytes?: number
    /**
     * Seconds a stale answer is served at once while one request revalidates it, for answers
     * that carry no `stale-while-revalidate` (in `Cache-Control` or `Surrogate-Control`). Default 0.
     */
    staleWhileRevalidate?: number
    /** Seconds a stale answer is served when AEM fails (5xx, no connection, a timeout), for answers that carry no `stale-if-error`. Default 0. */
    staleIfError?: number
    /**
     * A store the processes share the cache through: the one tokens take (`createRedisStore`
     * as it is). The local cache stays in front; with `lease`, one process at a time asks AEM
     * for a key. A slow or failing store is bypassed, never an error.
     */
    store?: TokenStore
    /** The longest a store call may take before it is bypassed, in milliseconds. Default 250. */
    storeTimeoutMs?: number
    /** The largest body put in the store, in bytes; larger ones stay local. Default 1 MiB. */
    maxStoreBytes?: number
    /**
     * How often this process reads the store's log of invalidations, in milliseconds (100 to
     * 3600000). Default 1000. A store with `publish` and `subscribe` carries them at once too.
     */
    invalidationPollMs?: number
    /**
     * AEM's CDN purge key (`X-AEM-Purge-Key`, a secret): an invalidation (not of everything)
     * then first purges the URLs of the answers it reaches from AEM's CDN, never softly, so that
     * their revalidation gets AEM's answer and not the CDN's old copy.
     */
    purgeKey?: string
    /**
     * The Content Fragment models each persisted query (`conf/name`) lists, by path or name, for
     * queries whose list fields are aliased; other answers are tagged with the models of their
     * `…List` and `…Paginated` fields.
     */
    models?: Record<string, string[]>
  }

  /** Why a stale cached answer was served. */
  export type StaleReason = 'stale-while-revalidate' | 'stale-if-error'

  /** Retry settings of a client. */
  export interface RetrySettings {
    /** Retries after the first attempt. Default 3. */
    maxRetries?: number
    /** The backoff ceiling of the first retry, in milliseconds; it doubles each retry (full jitter). Default 100. */
    initialDelayMs?: number
    /** The largest backoff ceiling, in milliseconds. Default 5000. */
    maxDelayMs?: number
  }

  /** Headers as fetch takes them: an object, a WHATWG `Headers`, a `Map` or `[name, value]` pairs. */
  export type HeaderInput =
    | Record<string, string | number | boolean>
    | Headers
    | Map<string, string | number | boolean>
    | ReadonlyArray<readonly [string, string | number | boolean]>

  /** Per-call options. */
  export interface RequestOptions {
    /** The HTTP method. */
    method?: string
    /** Headers for this call, merged over the client's; an `Authorization` here replaces the client's auth. */
    headers?: HeaderInput
    /** Cancels the call; it then rejects with REQUEST_ERROR whose `cause` is the signal's reason. */
    signal?: AbortSignal
    /** The timeout of this call, in milliseconds, retries included. */
    timeout?: number
    /** The connect timeout of this call (TCP and TLS), in milliseconds. */
    connectTimeout?: number
  }

  /** How `runPaginatedQuery` and `buildQuery` page. */
  export interface PaginationConfig {
    /** Items per page: `first` for cursor queries, `limit` with `useLimitOffset`. Default 10 with `useLimitOffset`. */
    pageSize?: number
    /** Where to start: a cursor, or the first offset with `useLimitOffset`. */
    after?: string | number
    /** Use `{model}List(limit, offset)` instead of cursor-based `{model}Paginated`. */
    useLimitOffset?: boolean
  }

  /** Query arguments; `_path` selects `{model}ByPath`. */
  export interface QueryArgs {
    _path?: string
    first?: number
    after?: string
    limit?: number
    offset?: number
    filter?: Record<string, unknown>
    sort?: string
    [key: string]: unknown
  }

  /** A built query and its type. */
  export interface QueryBuilderResult {
    query: string
    type: 'ByPath' | 'List' | 'Paginated'
  }

  /** `persistQuery`'s result. */
  export interface PersistResult {
    action: 'create' | 'update' | string
    configurationName: string
    name: string
    shortPath: string
    path: string
    [key: string]: unknown
  }

  /** One configuration of `listPersistedQueries`'s result. */
  export interface PersistedQueryList {
    configurationName: string
    queries: Array<{
      path: { shortForm: string; longForm: string }
      data: { query: string; [key: string]: unknown }
      [key: string]: unknown
    }>
  }

  /** Adobe's per-call retry options (non-negative integers). */
  export interface RetryOptions {
    maxRetries?: number
    initialDelayInMillis?: number
  }

  /** A GraphQL response body. Name the shape of `data` with the type parameter. */
  export interface GraphQLResponse<TData = Record<string, unknown>> {
    data: TData
    [key: string]: unknown
  }

  /**
   * Trusted certificates as Node's `tls` takes them: PEM text, a Buffer of PEM, or an array of
   * them (each may hold several certificates). They replace Node's default set (its roots and
   * `NODE_EXTRA_CA_CERTS`), as Node's `ca` does; a server certificate that is one of them is
   * trusted as it is, even a self-signed `CA:TRUE` one.
   */
  export type CaOption = string | Uint8Array | ReadonlyArray<string | Uint8Array>

  /** A variable value of a persisted query. */
  export type VariableValue = string | number | boolean | null | VariableValue[] | { [key: string]: VariableValue }

  /** A service-credentials JSON as the AEM Developer Console gives it, or its `integration`. */
  export interface ServiceCredentials {
    ok?: boolean
    statusCode?: number
    integration?: {
      imsEndpoint: string
      metascopes: string
      technicalAccount: { clientId: string; clientSecret: string }
      email?: string
      id: string
      org: string
      privateKey: string
      publicKey?: string
    }
    [key: string]: unknown
  }

  /** A local development token JSON. */
  export interface DevTokenCredentials {
    accessToken: string
    ok?: boolean
    statusCode?: number
  }

  /** OAuth Server-to-Server credentials (either spelling). */
  export interface OAuthCredentials {
    clientId?: string
    clientSecret?: string
    client_id?: string
    client_secret?: string
    client_secrets?: string[]
    scopes: string[] | string
    /** Default `ims-na1.adobelogin.com`. */
    imsEndpoint?: string
    [key: string]: unknown
  }

  /** Any credentials JSON this package reads. */
  export type CredentialsJSON = ServiceCredentials | DevTokenCredentials | OAuthCredentials

  /** Credentials parsed once (`loadCredentials`). Opaque: nothing secret can be read back. */
  export interface LoadedCredentials {
    /** `service`, `oauth` or `dev`. */
    readonly kind: 'service' | 'oauth' | 'dev'
    /** Whose token these credentials get, with no secret in it. */
    readonly identity: string
  }

  /** Options of `loadCredentials`. */
  export interface LoadCredentialsOptions {
    /** The passphrase of an encrypted PKCS#8 private key. */
    passphrase?: string
    /** Replaces the credentials' `imsEndpoint`. */
    imsEndpoint?: string
    /** Allows a plain `http://` imsEndpoint (a local test server). Default false: the token request carries the client secret. */
    allowInsecureHttp?: boolean
  }

  /** A token from a TokenProvider. */
  export interface AccessToken {
    accessToken: string
    /** `bearer` from IMS, `Bearer` for a development token. */
    tokenType: string
    /** When it expires, in whole epoch milliseconds. */
    expiresAt: number
  }

  /** What AEMHeadless needs of a token provider. */
  export interface AccessTokenSource {
    getAccessToken(): Promise<{ accessToken: string }>
    invalidate?(accessToken?: string): void
  }

  /** Where processes share tokens (see `createRedisStore`). Values are opaque strings. */
  export interface TokenStore {
    get(key: string): Promise<string | null | undefined>
    set(key: string, value: string, ttlMs: number): Promise<void>
    /**
     * Optional: takes the refresh lease `key` for `ttlMs` milliseconds if no one holds it
     * (atomically, as Redis's `SET key value NX PX ttl`). Resolves with a function that gives
     * it back, only if this holder still has it (compare-and-delete), or with null while
     * another process holds it. With it, one process refreshes and the others wait for its token.
     */
    lease?(key: string, ttlMs: number): Promise<(() => Promise<void>) | null>
    /** Optional: sends `message` to the subscribers of `channel` (Redis `PUBLISH`). The response cache announces invalidations with it. */
    publish?(channel: string, message: string): Promise<void>
    /**
     * Optional: calls `listener` with each message of `channel` until the function it resolves
     * with is called. With `publish`, other processes hear the cache's invalidations at once;
     * without it they poll the store.
     */
    subscribe?(channel: string, listener: (message: string) => void): Promise<() => Promise<void>>
  }

  /** Options of a TokenProvider. */
  export interface TokenProviderOptions extends LoadCredentialsOptions {
    /** The trusted CA certificates (PEM) for IMS, replacing Node's default set as Node's `ca` does. */
    ca?: CaOption
    /** A proxy for IMS. Without it, HTTPS_PROXY, HTTP_PROXY and NO_PROXY apply. */
    proxy?: string
    /** Refresh once this share of the lifetime is left. Default 0.1. */
    refreshRatio?: number
    /** Refresh once this many milliseconds are left, if that comes first. Default 300000. Never before half the lifetime. */
    refreshMarginMs?: number
    /** Share tokens with other processes. */
    store?: TokenStore
    /** The store key. Default: derived from the credentials (no secret in it). */
    storeKey?: string
    /** How long the store may take to answer before it is bypassed, in milliseconds. Default 1000. */
    storeTimeoutMs?: number
    /**
     * How long a refresh lease lasts, in milliseconds, with a store that has `lease`. The
     * holder's exchange may take at most three quarters of it less twice `storeTimeoutMs` (at least 500 ms, at most 30 s), so the lease outlives
     * it; a holder that dies is overtaken once it ends; a provider without a valid token waits up
     * to twice this for the holder's token. 1000 to 300000, default 40000.
     */
    leaseMs?: number
    /** Where token events go (see `AEMHeadlessConfig.logger`). */
    logger?: LoggerOption
    /** `false` keeps the IMS requests out of OpenTelemetry (see `AEMHeadlessConfig.tracing`). */
    tracing?: boolean
    /** The app's fetch for the IMS requests (see `AEMHeadlessConfig.fetch`). */
    fetch?: FetchFunction
    /** `'fetch'` for `globalThis.fetch` (see `AEMHeadlessConfig.transport`). */
    transport?: Transport
  }

  /** A log level, most severe first. */
  export type LogLevel = 'error' | 'warn' | 'info' | 'debug'

  /** A finished request (`debug` on success, `warn` on failure). */
  export interface RequestLogEvent {
    event: 'request'
    method: string
    /** The service URL and endpoint (persisted-query variables included); never a user name or password. */
    url: string
    durationMs: number
    /** The HTTP status, when a response arrived. */
    status?: number
    /** Attempts made, retries included; 0 when the cache answered. */
    attempts?: number
    /** Whether the response cache answered (successes only). */
    cached?: boolean
    /** Why the cache's answer was stale, when it was: AEM was being revalidated, or had failed. */
    stale?: StaleReason
    /** The error code (failures only). */
    code?: ErrorCode
    /** The error message, which holds no secret (failures only). */
    message?: string
  }

  /** AEM refused a token with 401; a new one is fetched and the request sent once more (`info`). */
  export interface TokenRejectedLogEvent {
    event: 'token-rejected'
    url: string
    action: string
  }

  /** A token from a refresh (`info`), from the shared store (`info`), or a failed refresh (`warn`). */
  export interface TokenLogEvent {
    event: 'token'
    source: 'refresh' | 'store'
    durationMs?: number
    tokenType?: string
    /** Epoch milliseconds. */
    expiresAt?: number
    code?: ErrorCode
    message?: string
    /** After a failed refresh: whether the old token, still valid, is used meanwhile. */
    keepsValidToken?: boolean
  }

  /** Every event the client logs. None holds a header, a body, a token or a secret. */
  export type LogEvent = RequestLogEvent | TokenRejectedLogEvent | TokenLogEvent

  /** An object logger such as `console`, pino or winston: the method of the event's level is called. */
  export interface LevelLogger {
    error?(event: LogEvent): void
    warn?(event: LogEvent): void
    info?(event: LogEvent): void
    debug?(event: LogEvent): void
  }

  /**
   * Where events go: a function (it receives the event with its `level`), an object logger, or
   * `false` for none. Without it, `AEM_HEADLESS_LOG` (or `LOG_LEVEL`) set to a level writes JSON
   * lines to stderr.
   */
  export type LoggerOption = false | ((event: LogEvent & { level: LogLevel }) => void) | LevelLogger

  /**
   * The context of the `aem-headless-rs:request` TracingChannel (`diagnostics_channel`), one per
   * AEM request. It grows as the request goes; it never holds a header, body, token or secret.
   */
  export interface RequestTraceContext {
    operation: 'runPersistedQuery' | 'runQuery' | 'runPaginatedQuery' | 'persistQuery' | 'listPersistedQueries'
    method: string
    /** The service URL and endpoint; never user info, and `sig`-like query values redacted. */
    url: string
    /** `conf/name`, for runPersistedQuery and persistQuery. */
    persistedQuery?: string
    /** The HTTP status, once a response arrived. */
    status?: number
    /** Attempts made, retries included; 0 when the cache answered. */
    attempts?: number
    /** Whether the response cache answered (successes only). */
    cached?: boolean
    /** Why the cache's answer was stale, when it was. */
    stale?: StaleReason
    /** The parsed response (successes only; set by the channel). */
    result?: unknown
    /** What the call rejects with (failures only). */
    error?: AEMHeadlessError
  }

  /**
   * The context of the `aem-headless-rs:token` TracingChannel, one per token fetch or refresh of
   * a `TokenProvider`. It never holds the token: `result` stays undefined.
   */
  export interface TokenTraceContext {
    /** Where the token came from: IMS, the shared store, or a development token. */
    source: 'ims' | 'store' | 'dev-token' | undefined
    /** IMS's token URL (source `ims`). */
    url?: string
    /** The HTTP status of IMS's answer, when known. */
    status?: number
    /** Attempts made at IMS, retries included, when known. */
    attempts?: number
    tokenType?: string
    /** Epoch milliseconds. */
    expiresAt?: number
    error?: AEMHeadlessError
    /** After a failed refresh: whether the old token, still valid, is returned instead. */
    keptValidToken?: boolean
  }

  /** An access token that manages itself: cached, refreshed ahead of expiry, single-flight. */
  export class TokenProvider implements AccessTokenSource {
    constructor(credentials: string | CredentialsJSON | LoadedCredentials, options?: TokenProviderOptions)
    /** A valid token, from memory, the store or IMS. */
    getAccessToken(): Promise<AccessToken>
    /** Forgets the cached token (only if it is `accessToken`, when given). */
    invalidate(accessToken?: string): void
    /** The credentials' client id once loaded (after the first `getAccessToken`); undefined for a development token. */
    readonly clientId: string | undefined
    /** The IMS organization of service credentials once loaded (`integration.org`); undefined for OAuth credentials and development tokens. */
    readonly orgId: string | undefined
    /** Whom the token speaks for once loaded (IMS host, client id, account, scopes; no secret): the key of a shared token and of a shared cache's answers. */
    readonly identity: string | undefined
  }

  /** Parses credentials once, private key included. */
  export function loadCredentials(credentials: string | CredentialsJSON | LoadedCredentials, options?: LoadCredentialsOptions): Promise<LoadedCredentials>

  /** Signs the service JWT IMS exchanges for a token (default lifetime 300 s). */
  export function signServiceJwt(credentials: ServiceCredentials | LoadedCredentials, options?: { expiresIn?: number; passphrase?: string }): string

  /** `@adobe/aemcs-api-client-lib`'s `exchange`: IMS's raw JSON (`expires_in` as IMS sent it: milliseconds from the JWT exchange). Takes loaded credentials too. */
  export function exchange(config: ServiceCredentials | LoadedCredentials, options?: { passphrase?: string; ca?: CaOption; proxy?: string; tracing?: boolean; fetch?: FetchFunction; transport?: Transport }): Promise<{ token_type: string; access_token: string; expires_in: number }>

  /** A TokenStore over a connected node-redis or ioredis client. */
  export function createRedisStore(client: object, options?: {
    prefix?: string
    flavor?: 'node-redis' | 'ioredis'
    /** A second connected client of the same library (`client.duplicate()`), for `subscribe`. */
    subscriber?: object
  }): TokenStore

  /** One event of a journal, and where it stands. */
  export interface JournalItem {
    /** An opaque position: `since` it, the events after it. */
    position: string
    /** The CloudEvent, as AEM sent it. */
    event: Record<string, unknown>
  }

  /** Options of `events.journal`. */
  export interface JournalOptions {
    /** The registration's journal URL (https), from the Developer Console. */
    url: string
    /** The events after this position; default the oldest kept. */
    since?: string
    /** Start at the latest event instead. */
    latest?: boolean
    /** Events per page. */
    limit?: number
    /** At the end, wait as `retry-after` says (the default), or stop (`false`). */
    wait?: boolean
    signal?: AbortSignal
    /** `x-ims-org-id`: default the service credentials' organization (OAuth credentials hold none). */
    orgId?: string
  }

  /** What `events` offers. */
  export interface EventControls {
    /** The journal's events, page after page; a position past retention rejects with API_ERROR, `sdkDetails.status` 410. */
    journal(options: JournalOptions): AsyncGenerator<JournalItem, void, undefined>
    /**
     * Follows the journal in one process at a time of those that share `store` (default: the
     * cache's), its position kept there, invalidating the cache by each event as the webhook does.
     */
    follow(options: Omit<JournalOptions, 'since' | 'latest' | 'wait'> & {
      store?: TokenStore
      /** As `createEventsHandler`'s: milliseconds before an event's invalidations. Default 0. */
      settleMs?: number
      /** As `createEventsHandler`'s: settle rounds after the first invalidation. Default 3. */
      settleRetries?: number
    }): { stop(): Promise<void> }
  }

  /** Options of `createEventsHandler`. */
  export interface EventsHandlerOptions {
    /** The clients whose caches AEM's events invalidate (with a shared store, every process's). */
    clients: AEMHeadless[]
    /** The integration's client id: only events whose recipient (`recipientclientid`) it is are taken. */
    clientId: string
    /**
     * The events' allowed `source`s (`acct:aem-p<program>-e<environment>@adobe.com`). Default:
     * those of the clients' AEM as a Cloud Service URLs (`publish-p1-e2.adobeaemcloud.com`).
     */
    sources?: string[]
    /** A store with `lease` (`createRedisStore`): an event id is taken once across the processes that share it. Default: once per process. */
    store?: TokenStore
    /** Milliseconds between a delivery and its invalidations (the publish tier may serve new content a moment after an author event). Default 0: invalidated before the answer. */
    settleMs?: number
    /**
     * Settle rounds after the first invalidation, about 1 s, 2 s, 4 s … after it (0 to 8; default
     * 3): an answer revalidated before AEM served the change is fresh again with the old content,
     * so each round marks stale again, by path, the answers whose content (`ETag`, or body) has not
     * changed since the first round, as far as each process's cache has seen, and every list of
     * the events' models. A takedown's hard invalidation is repeated as it is. Rounds fall due on
     * whole seconds, where they merge.
     */
    settleRetries?: number
    /** Logging, as the client's `logger` option. */
    logger?: false | ((event: Record<string, unknown>) => void) | Partial<Record<'error' | 'warn' | 'info' | 'debug', (event: Record<string, unknown>) => void>>
    /** Where the public keys are fetched: Adobe's key host, `https://static.adobeioevents.com` (change it only for an emulator). */
    publicKeyOrigin?: string
    /** The CA certificates (PEM) trusted for the key host, replacing Node's default set (for an emulator). */
    ca?: string | Buffer
  }

  /** A webhook receiver of Adobe I/O Events: the same handler for several servers. */
  export interface EventsHandler {
    /** One request, whatever the server: `headers` with lower-case names, `body` the raw bytes. */
    handle(request: { method: string; url: string; headers: Record<string, string | string[] | undefined>; body: Buffer }): Promise<{ status: number; headers: Record<string, string>; body: string }>
    /** For `node:http`, and Express with `express.raw({ type: '*\/*' })` (or no body parser) on the route. */
    node(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void>
    /** For Fastify, with the route's body parsed as a Buffer. */
    fastify(request: { method: string; url: string; headers: Record<string, string | string[] | undefined>; body?: unknown }, reply: { code(status: number): any }): Promise<unknown>
    /** For a fetch `Request` (Next.js route handlers, Hono, Deno, Bun). */
    fetch(request: Request): Promise<Response>
    /** Runs the first invalidations still in their settle delay at once, and drops the settle rounds to come (at shutdown). */
    close(): void
  }

  /**
   * A webhook receiver for AEM's events through Adobe I/O Events: answers the registration's
   * challenge, takes a delivery only with a valid signature (keys from Adobe's key host only,
   * kept 24 hours at most), each event only for `clientId` and from an allowed source, each
   * once, and invalidates the clients' caches by the events' paths and models (see docs/FRESHNESS.md).
   */
  export function createEventsHandler(options: EventsHandlerOptions): EventsHandler

  /** Options of `getToken` beyond Adobe's. */
  export interface GetTokenOptions {
    /** Overrides the credentials' `imsEndpoint`: `host[:port]` or an `https://` URL. */
    imsEndpoint?: string
    /** The trusted CA certificates (PEM) for the IMS call, replacing Node's default set as Node's `ca` does. */
    ca?: CaOption
    /** The passphrase of an encrypted PKCS#8 private key. */
    passphrase?: string
    /** Allows a plain `http://` imsEndpoint (a local test server). */
    allowInsecureHttp?: boolean
    /** A proxy for IMS. Without it, HTTPS_PROXY, HTTP_PROXY and NO_PROXY apply. */
    proxy?: string
    /** `false` keeps the IMS request out of OpenTelemetry (see `AEMHeadlessConfig.tracing`). */
    tracing?: boolean
    /** The app's fetch for the IMS request (see `AEMHeadlessConfig.fetch`). */
    fetch?: FetchFunction
    /** `'fetch'` for `globalThis.fetch` (see `AEMHeadlessConfig.transport`). */
    transport?: Transport
  }

  /** Adobe's `getToken` result. */
  export interface Token {
    /** The access token for `Authorization: Bearer`. */
    accessToken: string
    /** `bearer` from IMS, `Bearer` for a development token. */
    type: string
    /** IMS's `expires_in`, in milliseconds; 86400000 for a development token. */
    expires: number
  }

  /** Exchanges credentials (a file path, or the parsed JSON) for an access token. */
  export function getToken(
    credentials: string | CredentialsJSON,
    options?: GetTokenOptions
  ): Promise<Token>
}

export = AEMHeadless
