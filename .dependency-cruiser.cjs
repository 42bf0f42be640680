/**
 * The layering of src/ (docs/architecture.md draws it), checked in CI:
 *   kernel:        config, observability, security, db, temporal, integrations, http, auth
 *   capabilities:  emails, inbound, helpdesk, channels, commerce, webhooks, partners, usage, bus, sns, sweep, dashboard, domains
 *   entry points:  api, worker, workflows (the bundle index), cli, dev
 * Imports point down. A capability reaches another only through its public module
 * (index.ts), or, from workflow code, through its workflows.ts.
 */
const CAPABILITIES = '(emails|inbound|helpdesk|channels|commerce|webhooks|partners|usage|bus|sns|sweep|dashboard|domains)';
const ENTRY_POINTS = '(api|worker|workflows|cli|dev)';

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'import loops', from: {}, to: { circular: true } },
    {
      name: 'kernel-stays-below-capabilities',
      severity: 'error',
      comment: 'the kernel knows no capability and no entry point',
      from: { path: '^src/(config\\.ts|observability|security|db|temporal|integrations|http|auth)' },
      to: { path: `^src/(${CAPABILITIES.slice(1, -1)}|${ENTRY_POINTS.slice(1, -1)})/` },
    },
    {
      name: 'kernel-order',
      severity: 'error',
      comment: 'inside the kernel: config/observability/security < db < temporal, integrations < http < auth',
      from: { path: '^src/(config\\.ts|observability|security|db)' },
      to: { path: '^src/(temporal|integrations|http|auth)/' },
    },
    {
      name: 'http-below-auth',
      severity: 'error',
      from: { path: '^src/(temporal|integrations|http)/' },
      to: { path: '^src/auth/' },
    },
    {
      name: 'capabilities-below-entry-points',
      severity: 'error',
      comment: 'no capability imports api/, worker/, cli/, dev/ or the workflow bundle',
      from: { path: `^src/${CAPABILITIES}/` },
      to: { path: `^src/${ENTRY_POINTS}/` },
    },
    {
      name: 'capability-public-modules',
      severity: 'error',
      comment: "another capability's internals are off limits: use its index.ts (or, from workflow code, its workflows.ts)",
      from: { path: `^src/${CAPABILITIES}/` },
      to: {
        path: `^src/${CAPABILITIES}/`,
        pathNot: ['^src/$1/', `^src/${CAPABILITIES}/index\\.ts$`, `^src/${CAPABILITIES}/workflows\\.ts$`],
      },
    },
    {
      name: 'workflows-reach-only-workflows',
      severity: 'error',
      comment: 'workflow code may reach another capability only through its workflows.ts',
      from: { path: `^src/${CAPABILITIES}/workflows\\.ts$` },
      to: { path: `^src/${CAPABILITIES}/`, pathNot: ['^src/$1/', `^src/${CAPABILITIES}/workflows\\.ts$`] },
    },
    {
      name: 'only-workflows-import-workflows',
      severity: 'error',
      comment: "a capability's workflows.ts is workflow code: only other workflow code and the bundle import it",
      from: { path: '^src/', pathNot: [`^src/${CAPABILITIES}/workflows\\.ts$`, '^src/workflows/index\\.ts$', '^src/temporal/'] },
      to: { path: `^src/${CAPABILITIES}/workflows\\.ts$`, dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
