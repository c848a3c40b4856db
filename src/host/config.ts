import * as vscode from 'vscode';
import { LIMITS } from '../core/limits';
import type { ModelRef, PipelineOptionsWire } from '../shared/workerProtocol';

/** The settings section; every setting is `embeddingLens.<name>`. */
export const SECTION = 'embeddingLens';

/** Settings that can point at files: ignored from an untrusted workspace (package.json restrictedConfigurations). */
export const PATH_SETTINGS = ['model', 'tokenizer'] as const;

/** What the settings say, read fresh each time (they can change at any moment). */
export interface LensSettings {
  readonly ref: ModelRef;
  readonly options: PipelineOptionsWire;
  readonly hover: boolean;
  readonly boundaries: boolean;
  readonly statusBar: boolean;
  /** Seconds one request may run in the worker once it began (the watchdog's deadline). */
  readonly requestTimeout: number;
  /** A path setting that was ignored because the workspace is not trusted (for the message). */
  readonly ignoredUntrusted: readonly string[];
}

/** Reads the settings. In an untrusted workspace, VS Code already hides workspace values of path settings; we note them to tell the user. */
export function readSettings(scope?: vscode.ConfigurationScope): LensSettings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const ignoredUntrusted: string[] = [];
  if (!vscode.workspace.isTrusted) {
    for (const key of PATH_SETTINGS) {
      const i = c.inspect<string>(key);
      if (i?.workspaceValue !== undefined || i?.workspaceFolderValue !== undefined) ignoredUntrusted.push(`${SECTION}.${key}`);
    }
  }
  const model = (c.get<string>('model') ?? '').trim() || 'builtin:seed';
  const tokenizer = (c.get<string>('tokenizer') ?? '').trim();
  const maxLength = c.get<number | null>('maxLength');
  const hiddenSize = c.get<number | null>('randomEncoder.hiddenSize');
  return {
    ref: { model: resolvePath(model, false), tokenizer: tokenizer ? resolvePath(tokenizer, true) : undefined },
    options: {
      maxLength: typeof maxLength === 'number' && maxLength > 0 ? maxLength : null,
      paddingSide: c.get<'right' | 'left'>('paddingSide') ?? 'right',
      truncationSide: c.get<'right' | 'left'>('truncationSide') ?? 'right',
      skipPadding: c.get<boolean>('skipPadding') ?? false,
      addSpecialTokens: c.get<boolean>('specialTokens') ?? true,
      random: {
        cell: c.get<'rnn' | 'gru' | 'lstm'>('randomEncoder.cell') ?? 'rnn',
        nonlinearity: c.get<'tanh' | 'relu'>('randomEncoder.nonlinearity') ?? 'tanh',
        hiddenSize: typeof hiddenSize === 'number' && hiddenSize > 0 ? hiddenSize : undefined,
        numLayers: c.get<number>('randomEncoder.layers') ?? 1,
        bidirectional: c.get<boolean>('randomEncoder.bidirectional') ?? false,
        seed: c.get<number>('randomEncoder.seed') ?? 0,
      },
    },
    hover: c.get<boolean>('hover.enabled') ?? true,
    boundaries: c.get<boolean>('tokenBoundaries.enabled') ?? false,
    statusBar: c.get<boolean>('statusBar.enabled') ?? true,
    requestTimeout: requestTimeout(c.get<number>('requestTimeout')),
    ignoredUntrusted,
  };
}

/** The deadline setting as seconds: at least 1 (the schema's minimum, which settings.json can ignore); the default when not a number. */
export function requestTimeout(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return LIMITS.requestSeconds;
  return Math.max(1, value);
}

/** `~` and workspace-relative paths as absolute paths; built-ins (and, for tokenizers, names like gpt2) as they are. */
export function resolvePath(raw: string, allowNames: boolean): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const value = folder ? raw.replace(/\$\{workspaceFolder\}/g, folder.uri.fsPath) : raw;
  if (value.startsWith('builtin:') || (allowNames && /^[a-z0-9_]+$/i.test(value))) return value;
  if (value.startsWith('~/')) return (process.env.HOME ?? '') + value.slice(1);
  if (/^(\/|[a-zA-Z]:[\\/])/.test(value)) return value;
  return folder ? vscode.Uri.joinPath(folder.uri, value).fsPath : value;
}

/** A short name for the status bar and titles. */
export function modelLabel(model: string): string {
  if (model.startsWith('builtin:')) return model.slice('builtin:'.length);
  const parts = model.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? model;
}
