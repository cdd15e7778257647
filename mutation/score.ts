/**
 * Reading Stryker's JSON report (the mutation-testing-report-schema): a module's score and
 * its surviving mutants, one line each.
 */

/** The parts of a report this reads. */
export interface MutationReport {
  readonly files: Readonly<
    Record<
      string,
      {
        readonly mutants: readonly {
          readonly mutatorName: string;
          readonly replacement?: string;
          readonly status: string;
          readonly location: { readonly start: { readonly line: number; readonly column: number } };
        }[];
      }
    >
  >;
}

/** Killed and timed-out mutants are detected; survivors and uncovered ones are not. */
export interface ModuleScore {
  readonly detected: number;
  readonly valid: number;
  /** Mutants marked as not worth running (log calls, `Stryker disable` with a reason). */
  readonly ignored: number;
  readonly percent: number;
}

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/**
 * The mutation score over every file of a report: detected / (detected + undetected), as
 * Stryker computes it (compile errors and ignored mutants count for neither).
 *
 * @example
 * ```ts
 * moduleScore(report); // { detected: 38, valid: 42, ignored: 3, percent: 90.5 }
 * ```
 */
export function moduleScore(report: MutationReport): ModuleScore {
  let detected = 0;
  let valid = 0;
  let ignored = 0;
  for (const file of Object.values(report.files)) {
    for (const mutant of file.mutants) {
      if (DETECTED.has(mutant.status)) detected++;
      if (DETECTED.has(mutant.status) || UNDETECTED.has(mutant.status)) valid++;
      if (mutant.status === 'Ignored') ignored++;
    }
  }
  return { detected, valid, ignored, percent: valid === 0 ? 100 : (100 * detected) / valid };
}

/**
 * One line per surviving (or uncovered) mutant: file, line:column, mutator and replacement.
 *
 * @example
 * ```ts
 * survivorLines(report); // ['retry-policy.ts:58:7 EqualityOperator `seconds <= 0`']
 * ```
 */
export function survivorLines(report: MutationReport): string[] {
  const lines: string[] = [];
  for (const [file, { mutants }] of Object.entries(report.files)) {
    for (const mutant of mutants) {
      if (!UNDETECTED.has(mutant.status)) continue;
      const { line, column } = mutant.location.start;
      const replacement = (mutant.replacement ?? '').replace(/\s+/g, ' ').slice(0, 100);
      lines.push(
        `${path(file)}:${line}:${column} ${mutant.mutatorName} \`${replacement}\`${mutant.status === 'NoCoverage' ? ' (no coverage)' : ''}`,
      );
    }
  }
  return lines;
}

const path = (file: string) => file.replace(/^.*packages\/lambda-jobs\/src\/runtime\//, '');
