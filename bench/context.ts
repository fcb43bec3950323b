// What every section gets from bench/run.ts.

export interface BenchContext {
  /** Tiny inputs and sub-second windows: proves the section runs, measures nothing. */
  smoke: boolean;
  /** The HTTP load window, seconds (default 10). */
  durationS: number;
  /** Progress lines (stderr), so stdout stays the table. */
  log(message: string): void;
  /** A scratch directory for generated trees, removed at the end of the run. */
  tmpDir: string;
}
