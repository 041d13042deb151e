import { FIXTURE_BUNDLE_DIR } from '../../../src/generation/bundle';

/** The bundle the engine tests run on: the tiny fixture, or another (e.g. the real bundle) via SYNTHBUS_TEST_BUNDLE. */
export const TEST_BUNDLE = process.env.SYNTHBUS_TEST_BUNDLE ?? FIXTURE_BUNDLE_DIR;
