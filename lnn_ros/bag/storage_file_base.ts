/** What the storage readers share: the file's time range and damage, and errors naming the file. */

import { InputError } from '../errors';
import type { RawMessage, StorageFile, StorageReadOptions, StorageTopic } from './storage';

export abstract class StorageFileBase implements StorageFile {
  abstract readonly storage: 'sqlite3' | 'mcap';
  /** Log times of the first and last message seen while opening. */
  protected range: { startNs: bigint; endNs: bigint } | undefined;
  /** Damage seen while opening (the reading stopped there). */
  protected damage: string | undefined;

  constructor(readonly path: string) {}

  abstract topics(): StorageTopic[];
  abstract messages(options: StorageReadOptions): AsyncGenerator<RawMessage>;
  abstract close(): void;

  /** Runs what opening reads; on failure closes the file and throws an InputError naming it. */
  protected static async opened<S extends StorageFileBase>(storage: S, read: () => void | Promise<void>): Promise<S> {
    try {
      await read();
      return storage;
    } catch (err) {
      storage.close();
      throw storage.inputError(err);
    }
  }

  timeRange(): { startNs: bigint; endNs: bigint } | undefined {
    return this.range;
  }

  problem(): string | undefined {
    return this.damage;
  }

  protected extendRange(first: bigint, last = first): void {
    this.range = {
      startNs: this.range && this.range.startNs < first ? this.range.startNs : first,
      endNs: this.range && this.range.endNs > last ? this.range.endNs : last,
    };
  }

  /** `err` as an InputError whose message starts with the file's path. */
  protected inputError(err: unknown): InputError {
    const message = (err as Error).message;
    return err instanceof InputError && message.startsWith(this.path) ? err : new InputError(`${this.path}: ${message}`);
  }
}
