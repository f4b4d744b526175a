import plugin, {
  entityNovahostContent,
  entityNovahostDeploymentsCard,
  novahostPage,
} from './alpha';

describe('novahost frontend plugin', () => {
  it('exposes the page, API, entity tab and card to the new frontend system', () => {
    expect(plugin.id).toBe('novahost');
    const ids = [
      novahostPage,
      entityNovahostContent,
      entityNovahostDeploymentsCard,
    ].map(e => String(e));
    expect(ids).toEqual([
      'ExtensionDefinition{kind=page,attachTo=app/routes@routes}',
      'ExtensionDefinition{kind=entity-content,name=novahost,attachTo=page:catalog/entity@contents}',
      'ExtensionDefinition{kind=entity-card,name=novahost-deployments,attachTo=entity-content:catalog/overview@cards}',
    ]);
  });
});
