import { Content } from '@backstage/core-components';
import { Route, Routes, useParams } from 'react-router-dom';
import { DeploymentPage } from './DeploymentPage';
import { ProjectsPage } from './ProjectsPage';
import { ProjectView } from './ProjectView';

/** The project page (route `/projects/:projectId`). */
export function ProjectPage() {
  const { projectId } = useParams();
  return (
    <Content>
      <ProjectView projectId={projectId!} allowDelete />
    </Content>
  );
}

/** Every page of the Novahost plugin, under its mount path. */
export function NovahostRouter() {
  return (
    <Routes>
      <Route path="/" element={<ProjectsPage />} />
      <Route path="/projects/:projectId" element={<ProjectPage />} />
      <Route path="/deployments/:deploymentId" element={<DeploymentPage />} />
    </Routes>
  );
}
