// Jest's node environment runs tests in a separate realm with its own typed-array constructors;
// onnxruntime-node's native code checks `data instanceof Float32Array` against the main realm's and
// refuses the test realm's ("A float32 tensor's data must be type of function Float32Array()").
// Test files that run ONNX graphs opt in with `@jest-environment ./tests/generation/helpers/ort-environment.js`,
// which hands the test realm the main realm's typed arrays.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'Float32Array', 'Float64Array', 'Int8Array', 'Int16Array', 'Int32Array',
  'Uint8Array', 'Uint8ClampedArray', 'Uint16Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array',
];

class OrtEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = OrtEnvironment;
