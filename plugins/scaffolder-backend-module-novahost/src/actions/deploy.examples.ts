import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Deploy the project and wait for the site to be live, streaming the build log',
    example: yaml.stringify({
      steps: [
        {
          id: 'deploy',
          action: 'novahost:deploy',
          name: 'Build and deploy',
          input: {
            projectId: '${{ steps.project.output.projectId }}',
            wait: true,
          },
        },
      ],
    }),
  },
  {
    description: 'Start a deployment of a tag without waiting for it',
    example: yaml.stringify({
      steps: [
        {
          id: 'deploy',
          action: 'novahost:deploy',
          input: { projectId: 'marketing-site', ref: 'v1.2.0', wait: false },
        },
      ],
    }),
  },
];
