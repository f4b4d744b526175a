import { InputError } from '@backstage/errors';
import { z } from 'zod';

/** Parses with zod and throws an InputError naming the offending field. */
export function parse<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what: string,
): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.join('.') || what;
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown field(s) ${issue.keys.join(', ')}`
        : issue.message;
    throw new InputError(`Invalid ${what}: ${field}: ${message}`);
  }
  return result.data;
}

/** Ids are UUIDs; anything else cannot name a row (and Postgres would reject it as a uuid). */
export const isUuid = (s: string) => /^[0-9a-f-]{36}$/.test(s);
