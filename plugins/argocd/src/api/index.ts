export * from './ArgoCDApi';
export * from './ArgoCDClient';
