import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'Publish the workspace to a new local repository',
    example: yaml.stringify({
      steps: [
        {
          id: 'publish',
          action: 'novahost:publish:local',
          name: 'Publish to a local git repository',
          input: { repoName: '${{ parameters.name }}' },
        },
      ],
    }),
  },
  {
    description:
      'Commit a catalog-info.yaml onto an existing local repository (import)',
    example: yaml.stringify({
      steps: [
        {
          id: 'publish',
          action: 'novahost:publish:local',
          input: {
            repoName: '${{ parameters.repoName }}',
            mode: 'update',
            gitCommitMessage: 'Add catalog-info.yaml for Novahost',
          },
        },
      ],
    }),
  },
];
