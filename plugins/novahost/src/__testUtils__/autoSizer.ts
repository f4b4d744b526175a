/**
 * What `react-virtualized-auto-sizer` becomes in a test file (jsdom has no
 * layout: LogViewer's virtualized list gets a size):
 * `jest.mock('react-virtualized-auto-sizer', () => require('../__testUtils__/autoSizer').autoSizerMock);`
 */
export const autoSizerMock = {
  __esModule: true,
  default: (props: {
    children: (size: { height: number; width: number }) => unknown;
  }) => props.children({ height: 600, width: 800 }),
};
