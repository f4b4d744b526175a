// The build program runs its .ts files with Node's type stripping (no
// compile step, in the build image too), which only erases types: syntax
// that would emit JavaScript fails at runtime, so lint rejects it here.
const typeStripping = 'Node runs this package with type stripping, which';

module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  restrictedSyntax: [
    {
      selector: 'TSEnumDeclaration',
      message: `${typeStripping} cannot run enums: use a union of string literals and an \`as const\` object.`,
    },
    {
      selector: 'TSParameterProperty',
      message: `${typeStripping} cannot run parameter properties: declare the field and assign it in the constructor.`,
    },
    {
      selector: 'TSModuleDeclaration[declare!=true]',
      message: `${typeStripping} cannot run namespaces or modules with code: use ES modules.`,
    },
    {
      selector: 'TSImportEqualsDeclaration',
      message: `${typeStripping} cannot run \`import x = require()\` or import aliases: use \`import\`.`,
    },
  ],
});
