import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { readAdmins } from './admins';
import { NovahostPermissionPolicy } from './NovahostPermissionPolicy';

/**
 * Installs NovahostPermissionPolicy as the permission backend's policy, with
 * the admins of `novahost.admins`.
 */
export const novahostPermissionPolicyModule = createBackendModule({
  pluginId: 'permission',
  moduleId: 'novahost-policy',
  register(reg) {
    reg.registerInit({
      deps: {
        policy: policyExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        userInfo: coreServices.userInfo,
      },
      async init({ policy, config, logger, userInfo }) {
        const admins = readAdmins(config);
        logger.info(
          admins.length
            ? `Novahost admins: ${admins.join(', ')}`
            : 'Novahost has no admins (novahost.admins is empty)',
        );
        policy.setPolicy(new NovahostPermissionPolicy({ admins, userInfo }));
      },
    });
  },
});
