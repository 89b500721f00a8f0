/**
 * The tfjs backend, chosen once: native TensorFlow (`@tensorflow/tfjs-node`) when the user installed it, else
 * WebAssembly (shipped inside its npm package, so it works offline), else the plain CPU backend. tfjs-node is not
 * a dependency because its install downloads a native library, which fails on machines without internet access.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

export type ComputeBackend = 'tensorflow' | 'wasm' | 'cpu';

let chosen: Promise<ComputeBackend> | undefined;

export function initCompute(): Promise<ComputeBackend> {
  chosen ??= (async () => {
    try {
      // Optional: present only where the user installed it next to Vigil.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('@tensorflow/tfjs-node');
      if (await tf.setBackend('tensorflow')) return 'tensorflow';
    } catch {
      // not installed: fall through
    }
    try {
      if (await tf.setBackend('wasm')) return 'wasm';
    } catch {
      // wasm could not start: fall through
    }
    await tf.setBackend('cpu');
    return 'cpu';
  })();
  return chosen;
}

export { tf };
