/**
 * The direction of pinbot's layers, checked on every `npm test` (npm run check:deps).
 * Lowest first: shared (src/*.ts) < contract, report, git < identity < pin < fleet < audit;
 * hooks sit beside pin. Each rule forbids an import that would point the wrong way.
 */
const layer = name => `^src/${name}/`
const notIn = (...names) => ({ path: `^src/(${names.join('|')})/` })

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'modules import one way', from: {}, to: { circular: true } },
    { name: 'src-not-commands', severity: 'error', comment: 'the library knows nothing of the CLI',
      from: { path: '^src/' }, to: { path: '^(commands|test|bench|scripts|bin)/' } },
    { name: 'src-no-oclif', severity: 'error', comment: 'oclif belongs to commands/ only',
      from: { path: '^src/' }, to: { path: '@oclif/' } },
    { name: 'shared-is-a-leaf', severity: 'error', comment: 'errors and redact import no layer',
      from: { path: '^src/[^/]+\\.ts$' }, to: { path: '^src/[^/]+/' } },
    { name: 'contract-is-low', severity: 'error', comment: 'the .runtime-version contract reads files and the git index, nothing above (report/ renders its CI annotations)',
      from: { path: layer('contract') }, to: { path: '^src/[^/]+/', pathNot: '^src/(contract|git/local|report)/' } },
    { name: 'report-is-low', severity: 'error', comment: 'terminal and Actions rendering helpers depend on no layer',
      from: { path: layer('report') }, to: { path: '^src/[^/]+/', pathNot: layer('report') } },
    { name: 'git-is-low', severity: 'error', comment: 'git over HTTP and local checkouts know nothing of pins, fleets, audits, hooks; identity only as types; of report/, only the escaping it quotes server text with',
      from: { path: layer('git') }, to: { ...notIn('contract', 'pin', 'fleet', 'audit', 'hooks', 'report'), pathNot: '^src/report/printable\\.ts$' } },
    { name: 'git-identity-types-only', severity: 'error', comment: 'a commit is built from a signer and an identity it is handed',
      from: { path: layer('git') }, to: { path: layer('identity'), dependencyTypesNot: ['type-only'] } },
    { name: 'identity-below-pin', severity: 'error', comment: 'keys and signatures know nothing of pinning',
      from: { path: layer('identity') }, to: notIn('pin', 'fleet', 'audit', 'hooks', 'report') },
    { name: 'pin-below-fleet', severity: 'error', comment: 'pinning one repo knows nothing of the fleet',
      from: { path: layer('pin') }, to: notIn('fleet', 'audit', 'hooks') },
    { name: 'fleet-below-audit', severity: 'error', comment: 'the cascade knows nothing of the audit',
      from: { path: layer('fleet') }, to: notIn('audit', 'hooks') },
    { name: 'hooks-beside-pin', severity: 'error', comment: 'hooks check the contract in a checkout; no network, no signing',
      from: { path: layer('hooks') }, to: notIn('pin', 'fleet', 'audit', 'identity') },
    { name: 'commands-are-leaves', severity: 'error', comment: 'a command imports src/ modules and shared command helpers (_*.ts), never another command',
      from: { path: '^commands/' }, to: { path: '^commands/', pathNot: '^commands/_' } },
    { name: 'no-orphans', severity: 'error', comment: 'a module nobody imports is dead code',
      from: { orphan: true, path: '^src/' }, to: {} },
    { name: 'not-to-dev-dep', severity: 'error', comment: 'what ships must not need a devDependency',
      from: { path: '^(src|commands|bin)/' }, to: { dependencyTypes: ['npm-dev'] } },
    { name: 'no-unresolvable', severity: 'error', comment: 'every import resolves',
      from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.d.ts'] },
  },
}
