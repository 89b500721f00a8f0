/**
 * The tfjs backend, chosen once: native TensorFlow (`@tensorflow/tfjs-node`) when the user installed it, else
 * WebAssembly (shipped inside its npm package, so it works offline), else the plain CPU backend. tfjs-node is not
 * a dependency because its install downloads a native library, which fails on machines without internet access.
 * tfjs is loaded on first use, so commands that neither train a model nor fit a data reconstruction (multivariate
 * drift: `vigil report` with two features or more, `vigil reference fit`) do not pay for loading it.
 */
import type * as Tf from '@tensorflow/tfjs-core';

export type ComputeBackend = 'tensorflow' | 'wasm' | 'cpu';
export interface Compute {
  backend: ComputeBackend;
  tf: typeof Tf;
}

let chosen: Promise<Compute> | undefined;

export function initCompute(): Promise<Compute> {
  chosen ??= (async () => {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    await import('@tensorflow/tfjs-backend-wasm');
    try {
      // Optional: present only where the user installed it next to Vigil.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('@tensorflow/tfjs-node');
      if (await tf.setBackend('tensorflow')) return { backend: 'tensorflow', tf };
    } catch {
      // not installed: fall through
    }
    try {
      if (await tf.setBackend('wasm')) return { backend: 'wasm', tf };
    } catch {
      // wasm could not start: fall through
    }
    await tf.setBackend('cpu');
    return { backend: 'cpu', tf };
  })();
  return chosen;
}
