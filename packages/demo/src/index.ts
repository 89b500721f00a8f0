export { runAdultDemo } from './adult-demo';
export {
  analyzeMonths,
  DEMO_MODEL,
  DEMO_VERSION,
  formatDemoReview,
  runFlightsDemo,
  type DemoReview,
  type FlightsDemoOptions,
  type FlightsDemoResult,
} from './flights-demo';
export { flightsPath } from './flights-data';
export type { StreamSummary } from './stream-summary';
export type { DemoDaemonOptions, DemoHost, DemoIo, DemoSource } from './demo-host';
