export {
  ok,
  err,
  isOk,
  isErr,
  mapResult,
  flatMapResult,
  mapError,
  unwrap,
  type Ok,
  type Err,
  type Result,
} from './result';
export {
  domainError,
  isErrorCode,
  hasCode,
  CodedError,
  type DomainError,
  type ErrorCode,
} from './domain-error';
export type { Brand } from './brand';
export {
  parseAddress,
  parseOrderHash,
  parseStreamName,
  streamName,
  categoryOf,
  asAddress,
  asOrderHash,
  asStreamName,
  type Address,
  type OrderHash,
  type StreamName,
  type IdErrorCode,
} from './ids';
export { systemClock, FixedClock, fixedClock, type Clock } from './clock';
export {
  isDecimalString,
  bigintToDecimal,
  parseDecimalBigint,
  parseUnsignedDecimalBigint,
  decimalToBigint,
  bigintJsonReplacer,
  minBigint,
  maxBigint,
  type BigintErrorCode,
} from './bigint';
export { uuidv7, uuidv7Time } from './uuid';
export {
  stringifyJson,
  jsonBytes,
  describeIssues,
  parseJsonDocument,
  zUnsignedDecimal,
  type JsonDocumentFailure,
  type JsonDocumentFormat,
} from './json';
export {
  isObjectValue,
  readArray,
  readBoolean,
  readDefault,
  readInt,
  readJsonRecord,
  readMatching,
  readNullable,
  readObject,
  readOneOf,
  readString,
  readUnsignedBigint,
  readUnsignedDecimal,
  type Read,
} from './json-readers';
export { seededRandom } from './random';
