// The architecture as a rule the build checks (docs/architecture.md draws it): src/ folders in
// layers, each importing only folders of lower layers, so no folder imports a folder above it and
// the import graph has no cycle, of folders or of modules.
import { findCycle, folderGraph, moduleGraph } from './import-graph';

/** Bottom first. A folder may import folders of lower layers only. */
const LAYERS: string[][] = [
  ['domain', 'storage', 'playground', 'log', 'metrics'],
  ['config', 'entities', 'onnx', 'schema'],
  ['db', 'audit', 'privacy'],
  ['services', 'generation'],
  ['delivery', 'worker'],
  ['resolvers', 'cli'],
  ['server'],
  ['main'],
];

const modules = moduleGraph();
const folders = folderGraph(modules);
const layerOf = new Map(LAYERS.flatMap((names, layer) => names.map((n) => [n, layer] as const)));

test('every folder of src/ has a layer', () => {
  expect([...folders.keys()].filter((f) => !layerOf.has(f)).sort()).toEqual([]);
});

test('no folder imports a folder of its own layer or above', () => {
  const upward: string[] = [];
  for (const [from, deps] of folders) {
    for (const to of deps) if ((layerOf.get(to) ?? Infinity) >= (layerOf.get(from) ?? -1)) upward.push(`${from} -> ${to}`);
  }
  expect(upward.sort()).toEqual([]);
});

test('the domain imports nothing of ours but itself', () => {
  expect([...(folders.get('domain') ?? [])]).toEqual([]);
});

test('there is no import cycle between modules', () => {
  expect(findCycle(modules)).toBeNull();
});

test('the cycle finder finds a cycle (so the checks above can fail)', () => {
  const g = new Map([
    ['a', new Set(['b'])],
    ['b', new Set(['c'])],
    ['c', new Set(['a'])],
  ]);
  expect(findCycle(g)).toEqual(['a', 'b', 'c', 'a']);
  expect(findCycle(new Map([['a', new Set(['b'])], ['b', new Set<string>()]]))).toBeNull();
});
