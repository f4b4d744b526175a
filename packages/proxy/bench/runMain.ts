/* eslint-disable no-console */
/** Runs a bench's `main`, then exits: 0 when it finished, 1 when it threw. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    error => {
      console.error(error);
      process.exit(1);
    },
  );
}
