import { type ILogGroup, QueryDefinition, QueryString } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { JOBS_SUCCEEDED_MESSAGE } from '../runtime/success-log.ts';

export interface LogQueriesProps {
  /** Saved queries appear in the Logs Insights console under this folder. */
  readonly folder: string;
  readonly workerLogGroups: readonly ILogGroup[];
  readonly monitorLogGroup: ILogGroup;
}

/** A Logs Insights query written out, for commands `QueryString` does not build (`unnest`). */
class InsightsQuery extends QueryString {
  readonly #commands: readonly string[];
  constructor(commands: readonly string[]) {
    super({});
    this.#commands = commands;
  }
  override toString(): string {
    return this.#commands.join('\n| ');
  }
}

/** Worker log messages that mean an attempt did not succeed. */
const FAILURE_MESSAGES = ['Job errored', 'Job failed, will retry', 'Job rejected', 'Job lost'];

/**
 * Logs Insights saved queries over the Powertools JSON lines the worker and the monitor write
 * (keys `job_id`, `job_type`, `queue`, `attempt`, `status`, `duration_ms`, `wait_ms`; the
 * successes of a batch are one line whose `jobs` list names each job with those keys):
 *
 * - failures by job type (last errors and counts per type, queue and outcome);
 * - the slowest successful jobs;
 * - one job's whole history (replace `JOB_ID`), across workers and the monitor;
 * - backlog events (the monitor's warning, critical and recovery lines).
 *
 * @example
 * ```ts
 * new LogQueries(this, 'Queries', { folder: 'shop', workerLogGroups, monitorLogGroup });
 * ```
 */
export class LogQueries extends Construct {
  readonly failuresByJobType: QueryDefinition;
  readonly slowestJobs: QueryDefinition;
  readonly jobHistory: QueryDefinition;
  readonly backlogEvents: QueryDefinition;

  constructor(scope: Construct, id: string, props: LogQueriesProps) {
    super(scope, id);
    const workers = [...props.workerLogGroups];
    const name = (title: string) => `${props.folder}/${title}`;
    this.failuresByJobType = new QueryDefinition(this, 'FailuresByJobType', {
      queryDefinitionName: name('failures-by-job-type'),
      logGroups: workers,
      queryString: new QueryString({
        fields: ['@timestamp', 'job_type', 'queue', 'message', 'error_name', 'error_message'],
        filterStatements: [`message in ${JSON.stringify(FAILURE_MESSAGES)}`],
        statsStatements: [
          'count(*) as failures, latest(error_name) as last_error, latest(error_message) as last_message by job_type, queue, message',
        ],
        sort: 'failures desc',
      }),
    });
    this.slowestJobs = new QueryDefinition(this, 'SlowestJobs', {
      queryDefinitionName: name('slowest-jobs'),
      logGroups: workers,
      // Successes are named in one line per batch (`jobs`): a record per job through unnest.
      queryString: new InsightsQuery([
        'fields @timestamp, queue, jsonParse(@message) as line',
        `filter message = "${JOBS_SUCCEEDED_MESSAGE}"`,
        'unnest line.jobs into job',
        'display @timestamp, queue, job.job_id, job.job_type, job.attempt, job.duration_ms, job.wait_ms',
        'sort job.duration_ms desc',
        'limit 50',
      ]),
    });
    this.jobHistory = new QueryDefinition(this, 'JobHistory', {
      queryDefinitionName: name('job-history'),
      logGroups: [...workers, props.monitorLogGroup],
      queryString: new QueryString({
        fields: [
          '@timestamp',
          'message',
          'status',
          'attempt',
          'queue',
          'job_type',
          'duration_ms',
          'wait_ms',
          'error_name',
          'error_message',
          '@logStream',
        ],
        // A success is named inside its batch's line, not in a `job_id` field.
        filterStatements: ['job_id = "JOB_ID" or @message like "JOB_ID"'],
        sort: '@timestamp asc',
        limit: 1000,
      }),
    });
    this.backlogEvents = new QueryDefinition(this, 'BacklogEvents', {
      queryDefinitionName: name('backlog-events'),
      logGroups: [props.monitorLogGroup],
      queryString: new QueryString({
        fields: [
          '@timestamp',
          'level',
          'message',
          'queue',
          'jobs_backlog',
          'jobs_requested',
          'jobs_processing',
          'oldest_age_seconds',
          'threshold',
        ],
        filterStatements: [
          'message like /^Job (backlog|oldest message age|dead-letter queue|processing stalled)/',
        ],
        sort: '@timestamp desc',
        limit: 500,
      }),
    });
  }
}
