export {
  readDeployments,
  deploymentsSchema,
  DeploymentsError,
  type Deployments,
} from './deployments';
export { rpcHealthCheck } from './health';
