export { ProjectsPage } from './ProjectsPage';
export { ProjectView } from './ProjectView';
export { DeploymentPage, DeploymentView } from './DeploymentPage';
export { NovahostRouter, ProjectPage } from './Router';
export {
  EntityNovahostContent,
  EntityNovahostDeploymentsCard,
} from './EntityNovahost';
