import { createApiRef } from '@backstage/core-plugin-api';
import type { NovahostApi } from '@internal/plugin-novahost-common';

/** @public */
export const novahostApiRef = createApiRef<NovahostApi>({
  id: 'plugin.novahost.service',
});
