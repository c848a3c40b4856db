// onnxruntime-node, loaded at run time: it is a native module kept out of the bundles (see
// esbuild.js), shipped only in the per-platform .vsix files, so it may be missing; callers fall
// back to the TypeScript paths and say why.
import { createRequire } from 'node:module';

export type OrtModule = typeof import('onnxruntime-node');

let ort: OrtModule | undefined;
let loadError: string | undefined;

/** onnxruntime-node, or the first line of why it cannot load on this machine (tried once). */
export function loadOnnxRuntime(): { ort: OrtModule } | { error: string } {
  if (ort) return { ort };
  if (loadError === undefined) {
    try {
      ort = createRequire(__filename)('onnxruntime-node') as OrtModule;
      return { ort };
    } catch (e) {
      loadError = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
    }
  }
  return { error: loadError! };
}
