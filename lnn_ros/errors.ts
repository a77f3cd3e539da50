/** An error in user-supplied input (a file, a config key, a message) that names what is wrong. */
export class InputError extends Error {
  override name = 'InputError';
}

/** A config or model-directory error; the message names the file and the key. */
export class ConfigError extends InputError {
  override name = 'ConfigError';
  constructor(
    readonly file: string | undefined,
    readonly key: string,
    readonly problem: string,
  ) {
    super(`${file ?? '<config>'}: ${key}: ${problem}`);
  }
}

/** Work abandoned because a stop was requested (SIGINT/SIGTERM); `kept` says what is on disk. */
export class Stopped extends Error {
  override name = 'Stopped';
  constructor(
    readonly kept: string,
    message = `stopped; ${kept}`,
  ) {
    super(message);
  }
}
