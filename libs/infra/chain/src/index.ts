export {
  readDeployments,
  parseDeployments,
  writeDeployments,
  deploymentsSchema,
  contractDeploymentSchema,
  marketplaceSettingsSchema,
  DeploymentsError,
  type Deployments,
  type ContractDeployment,
  type MarketplaceSettings,
  type DeploymentsErrorCode,
} from './deployments';
export { rpcHealthCheck } from './health';
