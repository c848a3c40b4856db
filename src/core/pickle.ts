import { LensError } from './errors';

// PyTorch checkpoints are Python pickles (torch.save's legacy format) or zip archives holding
// one (`archive/data.pkl`, the default since PyTorch 1.6). Unpickling runs code chosen by the
// file, so we never parse them: we recognise them by name and by content, and say how to convert.

/** Names that are PyTorch / pickle files whatever they hold. `.bin` is decided by content. */
export const PICKLE_NAME = /\.(pt|pth|ckpt|pkl|pickle)$/i;

/** Bytes enough for `pickleKind` to decide. */
export const PICKLE_SNIFF_BYTES = 4096;

/**
 * 'pickle' for a raw pickle (protocol 2–5 starts with PROTO 0x80 and the protocol byte),
 * 'zip' for a torch zip checkpoint (a zip whose first entry or any name in `head` ends in
 * data.pkl), else undefined. `head` is the file's first bytes (up to PICKLE_SNIFF_BYTES).
 */
export function pickleKind(head: Uint8Array): 'pickle' | 'zip' | undefined {
  if (head.length >= 2 && head[0] === 0x80 && head[1]! >= 2 && head[1]! <= 5) return 'pickle';
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    // The local file header's name: length at byte 26 (uint16 LE), the name from byte 30.
    const nameLen = head.length >= 30 ? head[26]! | (head[27]! << 8) : 0;
    const first = String.fromCharCode(...head.subarray(30, Math.min(head.length, 30 + nameLen)));
    if (first.endsWith('data.pkl') || latinIncludes(head, 'data.pkl')) return 'zip';
  }
  return undefined;
}

function latinIncludes(bytes: Uint8Array, needle: string): boolean {
  outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
    for (let k = 0; k < needle.length; k++) if (bytes[i + k] !== needle.charCodeAt(k)) continue outer;
    return true;
  }
  return false;
}

/** The one message for every pickled checkpoint we refuse. */
export function pickleError(path: string): LensError {
  return new LensError(
    'badFormat',
    `${path}: pickled PyTorch checkpoint: not loaded, since loading runs code; convert it to safetensors (\`safetensors.torch.save_file(model.state_dict(), …)\`)`,
  );
}
