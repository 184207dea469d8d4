/**
 * `aem-headless-rs/upload`: a drop-in for `@adobe/aem-upload` 2.x, over this package's uploader.
 */
import { EventEmitter } from 'node:events'
import type AEMHeadless = require('../../index')

/** Adobe's error codes, by name. */
export declare const DirectBinaryUploadErrorCodes: Readonly<{
  UNKNOWN: 'EUNKNOWN'
  NOT_FOUND: 'ENOTFOUND'
  NOT_SUPPORTED: 'ENOTSUPPORTED'
  INVALID_OPTIONS: 'EINVALIDOPTIONS'
  NOT_AUTHORIZED: 'ENOTAUTHORIZED'
  UNEXPECTED_API_STATE: 'EUNEXPECTEDAPISTATE'
  ALREADY_EXISTS: 'EALREADYEXISTS'
  FORBIDDEN: 'EFORBIDDEN'
  USER_CANCELLED: 'EUSERCANCELLED'
  TOO_LARGE: 'ETOOLARGE'
}>

/** One file of `withUploadFiles`. */
export interface UploadFileOptions {
  fileName?: string
  fileUrl?: string
  fileSize: number
  filePath?: string
  blob?: Blob | Buffer
  createVersion?: boolean
  versionLabel?: string
  versionComment?: string
  replace?: boolean
  /** Headers of the file's part PUTs (to the blob store) only. */
  partHeaders?: Record<string, string>
}

export declare class DirectBinaryUploadOptions {
  withUrl(url: string): this
  withUploadFiles(uploadFiles: UploadFileOptions[]): this
  withConcurrent(isConcurrent: boolean): this
  withMaxConcurrent(maxConcurrent: number): this
  /** `headers` go to AEM only (never to the blob store); an `agent`'s `ca` is trusted. */
  withHttpOptions(options: { headers?: Record<string, string>, agent?: unknown, [key: string]: unknown }): this
  withHttpRetryCount(retryCount: number): this
  withHttpRetryDelay(retryDelay: number): this
  withHttpRequestTimeout(timeout: number): this
  getUrl(): string
  getTargetFolderPath(): string
  getUrlPrefix(): string
  getUploadFiles(): UploadFileOptions[]
  isConcurrent(): boolean
  getMaxConcurrent(): number
  getHttpOptions(): Record<string, unknown>
  getHttpRetryCount(): number
  getHttpRetryDelay(): number
  getHttpRequestTimeout(): number
  toJSON(): Record<string, unknown>
}

export declare class FileSystemUploadOptions extends DirectBinaryUploadOptions {
  static fromOptions(options: DirectBinaryUploadOptions): FileSystemUploadOptions
  withMaxUploadFiles(maxFileCount: number): this
  withDeepUpload(deepUpload: boolean): this
  withFolderNodeNameProcessor(processor: (name: string) => Promise<string> | string): this
  withAssetNodeNameProcessor(processor: (name: string) => Promise<string> | string): this
  withInvalidCharacterReplaceValue(replaceValue: string): this
  withUploadFileOptions(options: Partial<UploadFileOptions>): this
  getMaxUploadFiles(): number
  getDeepUpload(): boolean
  getFolderNodeNameProcessor(): (name: string) => Promise<string> | string
  getAssetNodeNameProcessor(): (name: string) => Promise<string> | string
  getInvalidCharacterReplaceValue(): string
  getUploadFileOptions(): Partial<UploadFileOptions>
}

/** An error as `toJSON()` gives it. */
export interface UploadErrorJson { message: string, code: string, innerStack?: string }

/** The result of an upload, as Adobe's JSON. */
export interface UploadResultJson {
  host: string
  totalFiles: number
  totalTime: number
  totalCompleted: number
  totalFileSize: number
  folderCreateSpent: number
  createdFolders: Array<{ elapsedTime: number, folderPath: string, folderTitle: string, retryErrors: UploadErrorJson[], error?: UploadErrorJson }>
  detailedResult: Array<{ fileUrl: string, fileSize: number, filePath?: string, createVersion?: true, versionLabel?: string, versionComment?: string, replace?: true, multipartHeaders?: Record<string, string>, result?: FileEventData & { errors?: unknown[] } }>
  errors: UploadErrorJson[]
  retryErrors: UploadErrorJson[]
}

/** What the file events carry. */
export interface FileEventData {
  fileName: string
  fileSize: number
  targetFolder: string
  targetFile: string
  sourceFolder: string
  sourceFile: string
  mimeType?: string
}

export declare class DirectBinaryUpload extends EventEmitter {
  /** `client`: an `AEMHeadless` whose managed token, trust and retries the uploads use. */
  constructor(options?: { log?: { debug: Function, info: Function, warn: Function, error: Function }, client?: AEMHeadless })
  getOptions(): { log?: unknown, client?: AEMHeadless }
  uploadFiles(options: DirectBinaryUploadOptions): Promise<UploadResultJson>
}

export declare class FileSystemUpload extends DirectBinaryUpload {
  upload(options: DirectBinaryUploadOptions | FileSystemUploadOptions, localPaths: string[]): Promise<UploadResultJson>
}
