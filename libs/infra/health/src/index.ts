export { abortable, type DependencyCheck } from './dependency-check';
export { runChecks, type DependencyStatus, type ReadinessReport } from './run-checks';
