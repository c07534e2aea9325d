/** One line of the fault table: what was injected, what the design promises, what the test measured. */
export interface ScenarioRow {
  readonly scenario: string;
  readonly expected: string;
  observed?: string;
}

const NOT_OBSERVED = 'NOT OBSERVED: the scenario failed before measuring (see the test output)';

/** Collects one row per scenario and renders them as a Markdown table, in the order they were declared. */
export class ScenarioTable {
  readonly #rows: ScenarioRow[] = [];

  /** Declares a scenario; call `observe` on the result with what the test measured. */
  row(scenario: string, expected: string): { observe(observed: string): void } {
    const row: ScenarioRow = { scenario, expected };
    this.#rows.push(row);
    return {
      observe: (observed) => {
        row.observed = observed;
      },
    };
  }

  render(title: string): string {
    const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
    const lines = [
      `### ${title}`,
      '',
      '| Scenario | Expected | Observed |',
      '| --- | --- | --- |',
      ...this.#rows.map(
        (row) => `| ${cell(row.scenario)} | ${cell(row.expected)} | ${cell(row.observed ?? NOT_OBSERVED)} |`,
      ),
      '',
    ];
    return `${lines.join('\n')}\n`;
  }
}
