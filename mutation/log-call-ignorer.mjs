// @ts-check
/**
 * A Stryker ignore plugin (`ignorers: ['log-calls']`): mutants of a call of a logger's method
 * (`logger.info(…)`, `logger.warn(…)`, `logger.error(…)`, `logger.debug(…)`) are reported as
 * Ignored with the reason below instead of being run: those inside the call (its text and
 * fields), the removal of the call's statement, and the emptying of a block that holds only
 * such calls (a `catch` that only logs). Such a mutant changes only what is logged, never a
 * write, a message's fate or a record. Nothing else is ignored: a block that also returns or
 * writes is still mutated, and every other call and mutator runs as usual.
 *
 * Plain JavaScript because Stryker loads plugins with Node's own loader (no TypeScript).
 */
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

const LOG_METHODS = new Set(['debug', 'info', 'warn', 'error']);

/** The reason Stryker shows on every mutant this ignores. */
export const LOG_CALL_REASON =
  'Log call: changes only log text or fields, never a write, a message or a record';

/**
 * @param {any} path a Babel NodePath
 * @returns {boolean} whether the node is a call such as `logger.warn(…)`
 */
function isLogCall(path) {
  const node = path.node;
  if (node?.type !== 'CallExpression') return false;
  const callee = node.callee;
  if (callee?.type !== 'MemberExpression' || callee.computed) return false;
  if (callee.property?.type !== 'Identifier' || !LOG_METHODS.has(callee.property.name)) {
    return false;
  }
  const target = callee.object;
  return (
    (target?.type === 'Identifier' && target.name === 'logger') ||
    (target?.type === 'MemberExpression' &&
      target.property?.type === 'Identifier' &&
      target.property.name === 'logger')
  );
}

/**
 * @param {any} path a Babel NodePath
 * @returns {boolean} a statement `logger.warn(…);`, or a non-empty block of only such statements
 */
function isLogOnly(path) {
  const node = path.node;
  if (node?.type === 'ExpressionStatement') return isLogCall({ node: node.expression });
  if (node?.type === 'BlockStatement' && node.body.length > 0) {
    return node.body.every(
      (/** @type {any} */ statement) =>
        statement.type === 'ExpressionStatement' && isLogCall({ node: statement.expression }),
    );
  }
  return isLogCall(path);
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'log-calls', {
    /** @param {any} path */
    shouldIgnore(path) {
      return isLogOnly(path) ? LOG_CALL_REASON : undefined;
    },
  }),
];
