export { stack, stackEnv, repoRoot, type StackEnv } from './stack';
export { waitFor, getJson } from './wait';
export { deciderSpec, type DeciderSpec, type DeciderGiven, type DeciderThen } from './decider-spec';
export {
  DATETIME_SPELLINGS,
  everySingleMutation,
  expectDeepStrictEqual,
  noFastAnswers,
  outcomeOf,
  recordFastAnswer,
  type FastAnswers,
  jsonPaths,
  jsonText,
  mutatedJson,
  respellings,
} from './json-mutations';
