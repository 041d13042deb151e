// A model summary for tests that exercise the API's validation without running a worker. The API
// reads models from the catalog table that workers fill; this writes one row there directly.
import type { ModelSummary } from '../../src/domain/model';

// Provenance the engine reports (ModelSummary.trainingData), spread in so that this file compiles
// whether or not the contract already declares it.
const provenance = { trainingData: { dataset: 'BUS-BRA', licence: 'CC BY 4.0', citation: 'Gomez-Flores et al., BUS-BRA, Medical Physics 2024' } };

export const CATALOG_MODEL: ModelSummary = {
  ...provenance,
  modelId: 'catalog-test-model',
  name: 'Catalog test model',
  bundleHash: 'f'.repeat(64),
  classes: [
    { birads: 2, index: 0, trainCount: 10 },
    { birads: 3, index: 1, trainCount: 10 },
    { birads: 4, index: 2, trainCount: 10 },
    { birads: 5, index: 3, trainCount: 10 },
  ],
  defaultSteps: 20,
  minSteps: 2,
  maxSteps: 50,
  defaultGuidance: 2,
  minGuidance: 1,
  maxGuidance: 8,
  height: 64,
  width: 64,
  evaluation: { fid: 1 },
  modelCard: null,
  fixture: true,
};
