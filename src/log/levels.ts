// The log's levels and formats, apart from the logger so that reading the config does not load pino.
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** json: one object per line; plain: "time LEVEL message key=value" for a person; auto: plain on a terminal. */
export const LOG_FORMATS = ['json', 'plain', 'auto'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
