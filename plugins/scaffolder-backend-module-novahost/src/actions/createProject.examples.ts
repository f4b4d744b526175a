import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      "Create the project of a freshly published repository, linked to the component the template registers (the project's owner then follows the component's spec.owner)",
    example: yaml.stringify({
      steps: [
        {
          id: 'project',
          action: 'novahost:project:create',
          name: 'Create the Novahost project',
          input: {
            name: '${{ parameters.name }}',
            repoUrl: '${{ steps.publish.output.remoteUrl }}',
            owner: '${{ parameters.owner or user.ref }}',
            entityRef: 'component:default/${{ parameters.name }}',
          },
        },
      ],
    }),
  },
  {
    description:
      'A single-page app with its own slug, build command and output directory',
    example: yaml.stringify({
      steps: [
        {
          id: 'project',
          action: 'novahost:project:create',
          input: {
            name: 'Customer dashboard',
            slug: 'dashboard',
            repoUrl: 'https://github.com/acme/dashboard',
            branch: 'main',
            buildCommand: 'npm run build:prod',
            outputDirectory: 'build',
            spa: true,
          },
        },
      ],
    }),
  },
];
