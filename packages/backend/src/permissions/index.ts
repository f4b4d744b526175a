export { novahostPermissionPolicyModule as default } from './module';
export { NovahostPermissionPolicy } from './NovahostPermissionPolicy';
export { readAdmins } from './admins';
