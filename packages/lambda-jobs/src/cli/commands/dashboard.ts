import { dashboardOpenUrl, startDashboard } from '../../local/dashboard/start-dashboard.ts';
import { EXIT } from '../cli-errors.ts';
import { type Command, printJson } from '../command-context.ts';
import { parseWholeFlag } from '../flag-values.ts';

/**
 * `lambda-jobs dashboard [--port N]`: the dashboard over the target's admin, until Ctrl-C. It
 * prints the address with the session token (`http://127.0.0.1:PORT/#token=…`).
 *
 * @example `lambda-jobs dashboard --stack shop --port 8790`
 */
export const dashboardCommand: Command = async ({ io, json, flags, target, app }) => {
  const port = flags.port !== undefined ? parseWholeFlag('port', flags.port, 0, 65_535) : 0;
  const connected = await target();
  if (connected.kind === 'dev' && connected.dashboardUrl) {
    const url = dashboardOpenUrl(connected.dashboardUrl, connected.dashboardToken);
    if (json) printJson(io, { url, servedBy: 'dev mode' });
    else io.stdout.write(`Dev mode serves the dashboard at ${url}\n`);
    return EXIT.ok;
  }
  const dashboard = await startDashboard({
    admin: connected.admin,
    port,
    config: connected.config,
    registry: app.registry,
    eventSources: connected.eventSources,
    consumption: connected.consumption,
    circuits: connected.circuits,
  });
  if (json) printJson(io, { url: dashboard.openUrl, target: connected.label });
  else io.stdout.write(`Dashboard: ${dashboard.openUrl}\n`);
  io.stderr.write(`Serving ${connected.label}. Ctrl-C stops it.\n`);
  await io.untilInterrupted();
  await dashboard.close();
  return EXIT.ok;
};
