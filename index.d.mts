/**
 * The ES module face of aem-headless-rs: the class as the default export, the functions and
 * classes as named exports, and every type of the `AEMHeadless` namespace by name.
 */
import AEMHeadless from './index.js'

export default AEMHeadless
export { AEMHeadless }

export declare const getToken: typeof AEMHeadless.getToken
export declare const AEMHeadlessError: typeof AEMHeadless.AEMHeadlessError
export type AEMHeadlessError = AEMHeadless.AEMHeadlessError
export declare const ErrorCodes: typeof AEMHeadless.ErrorCodes
export declare const TokenProvider: typeof AEMHeadless.TokenProvider
export type TokenProvider = AEMHeadless.TokenProvider
export declare const loadCredentials: typeof AEMHeadless.loadCredentials
export declare const signServiceJwt: typeof AEMHeadless.signServiceJwt
export declare const exchange: typeof AEMHeadless.exchange
export declare const createRedisStore: typeof AEMHeadless.createRedisStore
export declare const createEventsHandler: typeof AEMHeadless.createEventsHandler

export type ErrorCode = AEMHeadless.ErrorCode
export type GraphQLError = AEMHeadless.GraphQLError
export type SdkDetails = AEMHeadless.SdkDetails
export type AEMHeadlessErrorJSON = AEMHeadless.AEMHeadlessErrorJSON
export type ErrorClass = AEMHeadless.ErrorClass
export type AEMHeadlessConfig = AEMHeadless.AEMHeadlessConfig
export type CacheOptions = AEMHeadless.CacheOptions
export type Invalidation = AEMHeadless.Invalidation
export type CacheControls = AEMHeadless.CacheControls
export type StaleReason = AEMHeadless.StaleReason
export type Transport = AEMHeadless.Transport
export type FetchInit = AEMHeadless.FetchInit
export type FetchLikeResponse = AEMHeadless.FetchLikeResponse
export type FetchFunction = AEMHeadless.FetchFunction
export type RetrySettings = AEMHeadless.RetrySettings
export type RequestOptions = AEMHeadless.RequestOptions
export type PaginationConfig = AEMHeadless.PaginationConfig
export type QueryArgs = AEMHeadless.QueryArgs
export type QueryBuilderResult = AEMHeadless.QueryBuilderResult
export type PersistResult = AEMHeadless.PersistResult
export type PersistedQueryList = AEMHeadless.PersistedQueryList
export type RetryOptions = AEMHeadless.RetryOptions
export type GraphQLResponse<TData = Record<string, unknown>> = AEMHeadless.GraphQLResponse<TData>
export type VariableValue = AEMHeadless.VariableValue
export type CaOption = AEMHeadless.CaOption
export type ServiceCredentials = AEMHeadless.ServiceCredentials
export type DevTokenCredentials = AEMHeadless.DevTokenCredentials
export type OAuthCredentials = AEMHeadless.OAuthCredentials
export type CredentialsJSON = AEMHeadless.CredentialsJSON
export type LoadedCredentials = AEMHeadless.LoadedCredentials
export type LoadCredentialsOptions = AEMHeadless.LoadCredentialsOptions
export type AccessToken = AEMHeadless.AccessToken
export type AccessTokenSource = AEMHeadless.AccessTokenSource
export type TokenStore = AEMHeadless.TokenStore
export type EventsHandlerOptions = AEMHeadless.EventsHandlerOptions
export type EventsHandler = AEMHeadless.EventsHandler
export type EventControls = AEMHeadless.EventControls
export type JournalOptions = AEMHeadless.JournalOptions
export type JournalItem = AEMHeadless.JournalItem
export type HeaderInput = AEMHeadless.HeaderInput
export type TokenProviderOptions = AEMHeadless.TokenProviderOptions
export type GetTokenOptions = AEMHeadless.GetTokenOptions
export type Token = AEMHeadless.Token
export type LogLevel = AEMHeadless.LogLevel
export type LogEvent = AEMHeadless.LogEvent
export type RequestLogEvent = AEMHeadless.RequestLogEvent
export type TokenLogEvent = AEMHeadless.TokenLogEvent
export type TokenRejectedLogEvent = AEMHeadless.TokenRejectedLogEvent
export type LevelLogger = AEMHeadless.LevelLogger
export type LoggerOption = AEMHeadless.LoggerOption
export type RequestTraceContext = AEMHeadless.RequestTraceContext
export type TokenTraceContext = AEMHeadless.TokenTraceContext
export type ApiRequestOptions = AEMHeadless.ApiRequestOptions
export type ApiResponse<T = unknown> = AEMHeadless.ApiResponse<T>
export type PaginateOptions = AEMHeadless.PaginateOptions
export type Problem = AEMHeadless.Problem
