export { serviceEnv } from './app-env';
export {
  runHttpApp,
  createHttpApp,
  EXIT_CONFIG,
  type HttpAppContext,
  type HttpAppSpec,
} from './run-http-app';
export {
  PLATFORM_ERROR_STATUS,
  PROBLEM_CONTENT_TYPE,
  toProblem,
  type ErrorStatusTable,
  type HttpErrorStatus,
  type PlatformErrorCode,
  type ProblemDetails,
  type ProblemOutcome,
} from './problem-details';
export { ProblemDetailsFilter } from './problem-details.filter';
export {
  ClientRequestError,
  clientErrorHandler,
  clientRequestError,
  frameworkErrorHandler,
} from './framework-errors';
export {
  RequestValidationError,
  fieldErrors,
  parseRequest,
  type RequestFieldError,
} from './request-validation';
export { ZodValidationPipe } from './zod-validation.pipe';
export { serviceInfraModules, type ServiceInfraConfig } from './service-infra';
export { serviceConfig, type ServiceConfigSpec } from './service-config';
